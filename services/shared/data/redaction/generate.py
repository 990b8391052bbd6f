#!/usr/bin/env python3
"""Writes the redactor's evaluation set: invented citizen reports in Italian and
English, with the personal data in them marked as [[kind:text]].

    python3 generate.py            # writes dev.txt and held-out.txt beside this file

Every text is made up here from the parts below (nothing is copied from real
reports); the seed is fixed, so the files only change when this script does. About
three texts in ten go to held-out.txt, which is only read to report figures, never
to tune the redactor.
"""

import pathlib
import random
import string

SEED = 20261207
COUNT = 860
HELD_OUT_SHARE = 0.3

rng = random.Random(SEED)


def pick(items):
    return rng.choice(items)


def mark(kind, text):
    return f"[[{kind}:{text}]]"


# --- people -------------------------------------------------------------------------

FIRST_IT_M = [
    "Giuseppe", "Marco", "Luca", "Alessandro", "Paolo", "Roberto", "Matteo", "Davide", "Stefano",
    "Andrea", "Lorenzo", "Giovanni", "Salvatore", "Antonio", "Vincenzo", "Fabio", "Gianluca",
    "Emanuele", "Pietro", "Riccardo",
]
FIRST_IT_F = [
    "Maria", "Anna", "Giulia", "Francesca", "Chiara", "Elena", "Federica", "Sara", "Valentina",
    "Silvia", "Martina", "Rosa", "Carmela", "Teresa", "Laura", "Simona", "Raffaella", "Beatrice",
    "Noemi", "Ilaria",
]
FIRST_IT = FIRST_IT_M + FIRST_IT_F
LAST_IT = [
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
    "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa",
    "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro",
    "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone", "D'Angelo",
    "Di Stefano", "La Rosa", "Lo Russo", "Pellegrini", "Sartori", "Villa", "Cattaneo",
]
FIRST_EN = [
    "Sarah", "James", "Emily", "Tom", "Olivia", "Daniel", "Priya", "Mohammed", "Hannah",
    "George", "Chloe", "Oliver", "Amelia", "Jack", "Grace", "Harry", "Sophie", "Ben",
    "Lucy", "Kevin", "Rachel", "Peter", "Helen", "Mark",
]
LAST_EN = [
    "Thompson", "Walker", "Clarke", "Hughes", "Bennett", "O'Brien", "Patel", "Khan",
    "Evans", "Wright", "Robinson", "Wood", "Turner", "Hall", "Green", "Lewis", "Murphy",
    "Kelly", "Scott", "Mitchell", "Cooper", "Ward",
]


def name_it(full=None, firsts=None):
    full = rng.random() < 0.75 if full is None else full
    first = pick(firsts or FIRST_IT)
    return f"{first} {pick(LAST_IT)}" if full else first


def surname(name):
    """The surname of a generated full name: all but the first word."""
    return name.split(" ", 1)[1]


def name_en(full=None):
    full = rng.random() < 0.75 if full is None else full
    first = pick(FIRST_EN)
    return f"{first} {pick(LAST_EN)}" if full else first


# --- places and numbers that are not personal data -----------------------------------

STREETS_IT = [
    "via Roma", "via Giuseppe Garibaldi", "viale Aldo Moro", "corso Vittorio Emanuele II",
    "piazza Giuseppe Verdi", "via Alessandro Manzoni", "via Mario Rossi", "largo Luigi Cadorna",
    "via Padre Pio", "via Anna Kuliscioff", "via Don Luigi Sturzo", "piazzale Enrico Mattei",
    "via Sandro Pertini", "via Giovanni XXIII", "via Antonio Gramsci", "corso Buenos Aires",
    "via XX Settembre", "via San Francesco d'Assisi", "viale Monza", "via dei Mille",
    "via Carlo Alberto dalla Chiesa", "via Lucia Bianchi", "piazza Santa Maria Nuova",
    "via Giulia Colombo", "vicolo Stretto", "via delle Rose", "viale Papa Giovanni Paolo II",
    "via Maria Montessori", "via Francesco Baracca", "corso Giacomo Matteotti",
    "via Nazario Sauro", "via Ugo Foscolo", "viale Luigi Einaudi", "via Rosa Luxemburg",
]
STREETS_EN = [
    "Baker Street", "Mill Lane", "Victoria Road", "Elizabeth Avenue", "King Edward Street",
    "Queen Mary Road", "St John's Road", "Rose Street", "Harold Wilson Way", "Church Lane",
    "Albert Road", "George Street", "Via Roma", "Via Mario Rossi", "Corso Buenos Aires",
]
PLACES_IT = [
    "nel parco Sempione", "ai giardini Indro Montanelli", "in piazza Duomo", "alla stazione Centrale",
    "davanti alla scuola elementare Gianni Rodari", "vicino al liceo Alessandro Volta", "a Porta Genova",
    "nel quartiere San Siro", "al mercato di viale Papiniano", "vicino allo stadio Giuseppe Meazza",
    "davanti alla biblioteca Sormani", "sotto il ponte della Ghisolfa", "vicino all'ospedale San Raffaele",
    "al parco Nord", "nei giardini di via Mario Rossi", "alla fermata Lotto",
]
PLACES_EN = [
    "the park near the station", "the primary school", "Victoria Park", "the high street",
    "the playground behind the church", "the bus station", "St Mary's church",
]
CITIES = ["Milano", "Roma", "Torino", "Bologna", "Bergamo", "Monza", "Firenze", "Napoli"]
MONTHS_IT = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
             "agosto", "settembre", "ottobre", "novembre", "dicembre"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
WEEKDAYS_IT = ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"]


def house():
    n = rng.randint(1, 240)
    return pick([str(n), str(n), f"{n}/{pick('ABC')}", f"{n}{pick('abc')}"])


def street_it():
    return pick(STREETS_IT)


def address_it():
    return f"{street_it()} {house()}"


def date_it():
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), pick([2025, 2026])
    return pick([
        f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y}", f"{d}.{m:02d}.{y}", f"{d}-{m:02d}-{y % 100:02d}",
        f"{d} {MONTHS_IT[m - 1]}", f"{d} {MONTHS_IT[m - 1]} {y}", f"{y}-{m:02d}-{d:02d}",
    ])


def date_en():
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), pick([2025, 2026])
    return pick([f"{d:02d}/{m:02d}/{y}", f"{d} {MONTHS_EN[m - 1]}", f"{MONTHS_EN[m - 1]} {d}"])


def time_():
    h, m = rng.randint(6, 23), pick([0, 15, 30, 45, 10, 50])
    return pick([f"{h}:{m:02d}", f"{h}.{m:02d}", f"{h:02d}:{m:02d}"])


def hours():
    return pick(["08.30-12.30", "9:00-13:00", "14.00 - 18.00", "8-12", "dalle 7 alle 9"])


def amount():
    return pick([
        f"{rng.randint(20, 900)} euro", f"€ {rng.randint(20, 900)}",
        f"{rng.randint(1, 9)}.{rng.randint(100, 999)},{rng.randint(0, 99):02d} €",
        f"{rng.randint(1, 99)},{rng.randint(0, 99):02d}€", f"{rng.randint(1, 3)}.{rng.randint(100, 999)}.000 euro",
        f"EUR {rng.randint(100, 5000)}",
    ])


def pole():
    return pick([
        f"palo n. {rng.randint(100, 9999)}", f"lampione n.{rng.randint(1000, 99999)}",
        f"palo {rng.randint(1, 999):05d}", f"palo numero {rng.randint(10, 9999)}",
        f"lampione matricola {rng.randint(100000, 9999999)}", f"palo IP {rng.randint(1000, 9999)}",
        f"punto luce {rng.randint(10000, 999999)}",
    ])


def practice():
    y = pick([2025, 2026])
    return pick([
        f"pratica n. {y}/{rng.randint(1000, 99999):06d}", f"protocollo {rng.randint(100000, 999999):07d}/{y}",
        f"prot. n. {rng.randint(10000, 999999)}", f"ticket #{rng.randint(100000, 9999999)}",
        f"rif. {rng.randint(1000000, 99999999)}", f"segnalazione n. {rng.randint(100000, 9999999)}",
        f"codice {tracking_code()}", f"pratica PG{y}/{rng.randint(1000, 999999):07d}",
    ])


def tracking_code():
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    s = "".join(pick(alphabet) for _ in range(12))
    return f"{s[:4]}-{s[4:8]}-{s[8:]}"


def cap():
    return f"{pick(['20', '00', '10', '40', '24'])}{rng.randint(100, 199)}"


def meter():
    return pick([
        f"contatore n. {rng.randint(10000000, 99999999)}", f"contatore matricola {rng.randint(1000000, 9999999)}",
        f"tombino n. {rng.randint(10, 999)}", f"cassonetto n. {rng.randint(1000, 99999)}",
        f"contatore {rng.randint(30000000, 39999999)}",
    ])


def line():
    return pick([f"linea {rng.randint(1, 99)}", f"tram {rng.randint(1, 33)}", f"bus {rng.randint(40, 99)}",
                 f"autobus {rng.randint(40, 99)}", f"N{rng.randint(1, 30)}"])


def measure():
    return pick([f"{rng.randint(10, 80)} cm", f"{rng.randint(1, 5)} metri", f"{rng.randint(2, 20)} m",
                 f"{rng.randint(1, 3)},{rng.randint(1, 9)} m"])


# --- personal data ------------------------------------------------------------------

def phone_it():
    mobile = f"3{rng.randint(20, 93)}"
    a, b = rng.randint(100, 999), rng.randint(1000, 9999)
    seven = f"{a}{b}"
    land = pick(["02", "06", "011", "051", "055", "081", "035", "039"])
    return pick([
        f"{mobile} {a} {b}", f"{mobile}{seven}", f"{mobile}-{seven}", f"{mobile} {seven}",
        f"{mobile}.{a}.{b // 100}.{b % 100:02d}", f"+39 {mobile} {a} {b}", f"+39{mobile}{seven}",
        f"0039 {mobile} {seven}", f"(+39) {mobile} {seven}", f"{mobile}/{seven}",
        f"{land} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}", f"{land}-{rng.randint(1000000, 9999999)}",
        f"{land}/{rng.randint(100000, 999999)}", f"+39 {land} {rng.randint(100000, 9999999)}",
        f"{mobile} {a} {b // 100} {b % 100:02d}",
    ])


def phone_uk():
    return pick([
        f"07{rng.randint(700, 999)} {rng.randint(100000, 999999)}",
        f"+44 7{rng.randint(700, 999)} {rng.randint(100000, 999999)}",
        f"020 {rng.randint(7000, 8999)} {rng.randint(1000, 9999)}",
        f"+44 20 {rng.randint(7000, 8999)} {rng.randint(1000, 9999)}",
        f"0161 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        phone_it(),
    ])


MAIL_DOMAINS = ["gmail.com", "libero.it", "hotmail.it", "yahoo.it", "outlook.com", "tiscali.it",
                "alice.it", "virgilio.it", "pec.it", "icloud.com", "fastwebnet.it", "proton.me",
                "studio-legale.example.it"]


def ascii_name(text):
    return "".join(c for c in text.lower() if c in string.ascii_lowercase)


def email(first=None, last=None):
    first = ascii_name(first or pick(FIRST_IT + FIRST_EN))
    last = ascii_name(last or pick(LAST_IT + LAST_EN))
    user = pick([f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first}_{last}{rng.randint(60, 99)}",
                 f"{last}.{first}", f"{first}{rng.randint(1, 999)}"])
    domain = pick(MAIL_DOMAINS)
    style = rng.random()
    if style < 0.08:
        host, tld = domain.rsplit(".", 1)
        return f"{user} [at] {host} [dot] {tld}"
    if style < 0.14:
        return f"{user}(at){domain}"
    if style < 0.2:
        return f"{user.capitalize()}@{domain.upper() if rng.random() < 0.5 else domain}"
    return f"{user}@{domain}"


def handle():
    first = ascii_name(pick(FIRST_IT + FIRST_EN))
    return pick([
        f"@{first}_{ascii_name(pick(LAST_IT))}", f"@{first}{rng.randint(70, 99)}",
        f"@{first.capitalize()}{ascii_name(pick(LAST_IT)).capitalize()}",
        f"@{first}.{ascii_name(pick(LAST_IT))}", f"@{first}@mastodon.uno",
        f"@{first}@social.coop", f"@{first}_{rng.randint(1, 9)}",
    ])


ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]


def tax_code():
    letters = string.ascii_uppercase
    head = "".join(pick("BCDFGLMNPRSTVZ") for _ in range(3)) + "".join(pick("BCDFGLMNPRSTVZAEIOU") for _ in range(3))
    day = rng.randint(1, 31) + pick([0, 40])
    body = f"{head}{rng.randint(40, 99):02d}{pick('ABCDEHLMPRST')}{day:02d}{pick('ABCDEFGHILM')}{rng.randint(1, 999):03d}"
    total = 0
    for i, c in enumerate(body):
        v = int(c) if c.isdigit() else letters.index(c)
        total += ODD[v] if i % 2 == 0 else v
    code = body + letters[total % 26]
    return code.lower() if rng.random() < 0.15 else code


def iban():
    bank = f"{pick(string.ascii_uppercase)}{rng.randint(0, 99999):05d}{rng.randint(0, 99999):05d}{rng.randint(0, 10**12 - 1):012d}"
    numeric = "".join(str(int(c, 36)) for c in bank + "IT00")
    check = 98 - int(numeric) % 97
    code = f"IT{check:02d}{bank}"
    if rng.random() < 0.5:
        code = " ".join(code[i:i + 4] for i in range(0, len(code), 4))
    return code


PLATE_LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"


def plate():
    l2 = lambda: "".join(pick(PLATE_LETTERS) for _ in range(2))  # noqa: E731
    n = rng.randint(100, 999)
    return pick([
        f"{l2()} {n} {l2()}", f"{l2()}{n}{l2()}", f"{l2()}{n}{l2()}", f"{l2()}-{n}-{l2()}",
        f"{l2()} {n}{l2()}",
    ])


def cued_plate():
    """Plates only a word before them tells: lower case, mopeds, foreign ones."""
    return pick([
        plate().lower(), f"{pick(['X', 'Y'])}{pick(PLATE_LETTERS)}{rng.randint(1000, 9999)}",
        f"{pick(['TI', 'ZH', 'GR'])} {rng.randint(10000, 999999)}", f"{pick(['MI', 'RM', 'TO'])} {rng.randint(100000, 999999)}",
        f"{pick(PLATE_LETTERS)}{pick(PLATE_LETTERS)} {rng.randint(10000, 99999)}",
    ])


# --- Italian texts -------------------------------------------------------------------

def problem_it():
    s, s2 = street_it(), street_it()
    return pick([
        f"Il {pole()} in {s} {house()} è spento da {rng.randint(2, 20)} giorni.",
        f"In {s} il lampione davanti al civico {house()} si accende e si spegne tutta la notte.",
        f"C'è una buca profonda circa {measure()} davanti al civico {house()} di {s}, ieri alle {time_()} un motorino è caduto.",
        f"Buca enorme in {s} all'altezza del numero {house()}, CAP {cap()}: le auto la evitano invadendo l'altra corsia.",
        f"Cassonetti della differenziata stracolmi in {s} angolo {s2}, l'ultimo ritiro risale al {date_it()}.",
        f"Dopo il temporale del {date_it()} {s} è allagata, l'acqua arriva al marciapiede all'altezza del {house()}.",
        f"Segnalo di nuovo il problema della {practice()}: il {pole()} in {s} è piegato e rischia di cadere.",
        f"Un albero è caduto {pick(PLACES_IT)} e blocca il vialetto vicino all'ingresso di {s}.",
        f"Il semaforo all'incrocio tra {s} e {s2} lampeggia giallo dalle {time_()} di {pick(WEEKDAYS_IT)}.",
        f"Tombino otturato in {s} {house()}, ogni volta che piove si forma un lago di {measure()}.",
        f"La fermata in {s} ({line()}) non ha più la pensilina, rotta dal {date_it()}.",
        f"Graffiti sulla facciata della scuola in {s} {house()}, rifatti dopo la pulizia del {date_it()}.",
        f"Perdita d'acqua dal {meter()} davanti al {house()} di {s}, l'acqua esce da tre giorni.",
        f"Rifiuti ingombranti (un materasso e due sedie) abbandonati in {s} dal {date_it()}.",
        f"Il preventivo per sistemare il marciapiede di {s} era di {amount()}, ma i lavori non sono mai partiti.",
        f"Marciapiede sconnesso in {s} tra il {rng.randint(1, 60)} e il {rng.randint(61, 140)}, una signora anziana è inciampata.",
        f"{upper_first(line())} in ritardo continuo: passa ogni {rng.randint(15, 40)} minuti invece che ogni {rng.randint(5, 10)}, fermata di {s}.",
        f"Sono le {time_()} e il lampione di {s} è ancora spento, come ieri e l'altro ieri.",
        f"Sono passati {rng.randint(3, 30)} giorni dalla segnalazione {practice()} e la buca in {s} è ancora lì.",
        f"Ci sono rifiuti ovunque {pick(PLACES_IT)}, i cestini non vengono svuotati da {pick(WEEKDAYS_IT)}.",
        f"Allagamento del sottopasso di {s}, livello dell'acqua circa {measure()}, auto bloccate.",
        f"Orari di raccolta {hours()}, ma in {s} il camion non passa da due settimane.",
        f"Il parchetto di {s} ha l'altalena rotta, la catena è spezzata.",
        f"Cane randagio che gira da giorni {pick(PLACES_IT)}, sembra ferito a una zampa.",
        f"Topi vicino ai cassonetti di {s} {house()}, li vediamo ogni sera dopo le {time_()}.",
        f"Il cartello di stop all'angolo tra {s} e {s2} è piegato a terra.",
        f"{upper_first(pick(PLACES_IT))} manca la luce in tutto il vialetto centrale.",
        f"Odore fortissimo di fogna in {s}, peggiora con il caldo.",
        f"La targa stradale di {s} è caduta ed è appoggiata al muro del civico {house()}.",
        f"Tombino senza coperchio in {s}, {rng.randint(1, 3)} metri dopo le strisce pedonali: pericolosissimo di notte.",
        f"{upper_first(s)}: lampione spento davanti al {house()}, già segnalato con {practice()}.",
        f"Il {pole()} è stato urtato da un camion e pende verso la strada, {s} {house()}.",
        f"Nel tratto di {s} fra {s2} e il {rng.randint(1, 99)} l'asfalto è crepato, rischio per le bici.",
        f"Costo stimato dal tecnico del condominio {amount()}, ma il marciapiede è del Comune di {pick(CITIES)}.",
        f"Pozzanghera gigante davanti alla scuola di {s} ogni volta che piove, i bambini entrano con le scarpe bagnate.",
    ])


def plate_problem_it():
    s = street_it()
    p = mark("plate", plate())
    cp = mark("plate", cued_plate())
    return pick([
        f"Auto abbandonata {p} in {s} da più di un mese, senza una ruota.",
        f"Un furgone bianco targato {cp} è parcheggiato sul passo carrabile al {house()} di {s}.",
        f"La macchina {p} sosta ogni giorno sul marciapiede di {s} e i passeggini devono scendere in strada.",
        f"Scooter senza targa lasciato in {s}, un altro con targa {cp} è lì da settimane.",
        f"Auto in doppia fila {p} davanti alla scuola di {s} dalle {time_()}.",
        f"Camper targa {cp} occupa tre posti in {s} dal {date_it()}.",
        f"Moto targata {cp} legata al palo della luce in {s}.",
        f"Il solito SUV nero {p} parcheggiato sulle strisce in {s} {house()}.",
    ])


def contact_it(first=None, last=None):
    ph = mark("phone", phone_it())
    em = mark("email", email(first, last))
    return pick([
        f"Per informazioni chiamatemi al {ph}.",
        f"Il mio numero è {ph}, rispondo dopo le {time_()}.",
        f"Potete contattarmi su WhatsApp al {ph} o via mail a {em}.",
        f"Mi trovate al {ph} (ore serali).",
        f"Scrivetemi pure a {em}.",
        f"Sono reperibile al cell. {ph}",
        f"tel. {ph}",
        f"Recapito: {ph}",
        f"Per qualsiasi cosa: {em}",
        f"Contattatemi al {ph} oppure a {em} per un sopralluogo.",
        f"Il mio indirizzo email è {em}.",
        f"Se serve vi mando altre foto, cell {ph}.",
        f"Numero di telefono {ph}",
        f"Chiamate pure il {ph}, è il numero di casa.",
        f"email: {em}",
        f"mi trovate anche su Telegram come {mark('handle', handle())}",
        f"Potete rispondere qui o su Instagram a {mark('handle', handle())}.",
        f"{ph}",
        f"Tel {ph} - {em}",
        f"Aspetto un riscontro via PEC a {em}.",
    ])


def payment_it():
    return pick([
        f"Chiedo il risarcimento della gomma bucata ({amount()}), il mio IBAN è {mark('iban', iban())}.",
        f"Per il rimborso: IBAN {mark('iban', iban())}, intestato a me.",
        f"Allego il mio codice fiscale {mark('tax_code', tax_code())} per la pratica di risarcimento.",
        f"Il mio CF è {mark('tax_code', tax_code())}, come richiesto dal modulo.",
        f"Codice fiscale: {mark('tax_code', tax_code())}",
        f"C.F. {mark('tax_code', tax_code())} - IBAN {mark('iban', iban())}",
        f"Accreditate il rimborso di {amount()} su {mark('iban', iban())} grazie.",
        f"Sono stato multato ingiustamente, il mio codice fiscale è {mark('tax_code', tax_code())}.",
    ])


TITLES_IT = ["il sig.", "la sig.ra", "la signora", "il signor", "il dott.", "la dott.ssa", "l'avv."]


def intro_it():
    male = rng.random() < 0.5
    firsts = FIRST_IT_M if male else FIRST_IT_F
    n = name_it(firsts=firsts)
    full = name_it(True, firsts)
    title = pick(["il sig.", "il signor", "il dott."] if male else ["la sig.ra", "la signora", "la dott.ssa"])
    s = street_it()
    return pick([
        (f"Sono {mark('name', n)}, abito in {s}.", n),
        (f"Mi chiamo {mark('name', n)} e abito in {s} {house()}.", n),
        (f"Io {'sottoscritto' if male else 'sottoscritta'} {mark('name', full)}, residente in {s} {house()}, segnalo quanto segue.", full),
        (f"Sono {mark('name', n.split()[0])} del civico {house()}.", n),
        (f"Sono {mark('name', n)} di {s}.", n),
        (f"Mi chiamo {mark('name', n.lower())} e ho visto che", n),
        (f"Sono {title} {mark('name', full)}, {'amministratore' if male else 'amministratrice'} del condominio di {s} {house()}.", full),
        (f"Sono {title} {mark('name', surname(full))} del {house()}.", full),
        (f"Sono {mark('name', n)}!", n),
        (f"Nome e cognome: {mark('name', full)}.", full),
        (f"Il mio nome è {mark('name', n)}.", n),
        (f"Scrivo per conto di mia madre, {mark('name', name_it(True, FIRST_IT_F))}, che abita in {s}.", n),
    ])


def third_party_it():
    male = rng.random() < 0.5
    n = name_it(True, FIRST_IT_M if male else FIRST_IT_F)
    s = street_it()
    return pick([
        f"{'Il mio vicino' if male else 'La mia vicina'} {mark('name', n)} parcheggia sempre sul marciapiede.",
        f"Ho già parlato con {mark('name', n)} dell'ufficio tecnico ma non è cambiato nulla.",
        f"{'Mio nipote' if male else 'Mia nipote'} {mark('name', n.split()[0])} è {'caduto' if male else 'caduta'} con la bici nella buca.",
        f"Anche {'il signor' if male else 'la signora'} {mark('name', surname(n))} del piano di sopra ha fatto la stessa segnalazione.",
        f"Una persona anziana, {mark('name', n)} del {house()} di {s}, è caduta ieri sera.",
        f"Il custode, {mark('name', name_it(True, FIRST_IT_M))}, ha le chiavi del cancello.",
    ])


SIGN_OFFS_IT = ["Cordiali saluti", "Distinti saluti", "Saluti", "Grazie", "Grazie mille", "Un saluto",
                "Cordialmente", "Grazie in anticipo,", "Buona giornata"]


def signature_it(n=None):
    n = n or name_it()
    so = pick(SIGN_OFFS_IT).rstrip(",")
    return pick([
        f"\n{so}\n{mark('name', n)}",
        f" {so}, {mark('name', n)}",
        f"\n\n{mark('name', n)}" if " " in n else f"\n{so}\n{mark('name', n)}",
        f"\n{so},\n{mark('name', n)}",
        f" {so}. {mark('name', n)}",
        f"\n-- {mark('name', n)}",
        f"\n{so}\n{mark('name', n)}",
    ])


def closing_it():
    """Endings with no name in them, some of them shaped like a signature."""
    return pick([
        "\nGrazie", " Grazie per l'intervento.", " Saluti dal quartiere!", "\nCordiali saluti",
        f"\n{upper_first(street_it())} {house()}", f"\n{pick(CITIES)}, {date_it()}", "\nPorta Romana",
        "\nGrazie Comune!", " Grazie in anticipo.", "\nUn cittadino stanco", "\nI residenti di via Padova",
        "\nSan Siro", " Buona giornata.", "\nLa Proloco", "\nComitato Quartiere Isola",
        f"\nCondominio {street_it()} {house()}", "\nGiardini Pubblici", "",
    ])


def opening_it():
    return pick(["", "", "", "Buongiorno, ", "Salve, ", "Buonasera, ", "Gentile Comune, ",
                 f"{mark('handle', '@comune_' + ascii_name(pick(CITIES)))} ", "Ciao, ", "Segnalo che "])


def upper_first(text):
    return text[0].upper() + text[1:]


def lower_first(text):
    return text[0].lower() + text[1:] if text and text[0].isupper() and not text.startswith("[[") else text


def compose(lang):
    """One report in `lang`: a problem or two, maybe a car, then personal data of one
    kind or none, and an ending."""
    parts_of = LANGUAGES[lang]
    no_data, introduced, contacted, paid, third = parts_of["shares"]
    roll = rng.random()
    opening = parts_of["opening"]() if "opening" in parts_of else ""
    parts = [parts_of["problem"]()]
    if rng.random() < parts_of["plate_share"]:
        parts.append(parts_of["plate_problem"]())
    if roll < no_data:  # no personal data beyond what the body says
        if rng.random() < 0.4:
            parts.append(other_problem(parts[0], parts_of["problem"]))
        ending = parts_of["closing"]()
    elif roll < introduced:
        intro, n = parts_of["intro"]()
        first, last = (n.split() + [None])[:2]
        if intro.endswith("che"):
            parts[0] = lower_first(parts[0])
        parts.insert(0, intro)
        if rng.random() < 0.6:
            parts.append(parts_of["contact"](first, last))
        ending = parts_of["signature"](n) if rng.random() < 0.3 else parts_of["closing"]()
    elif roll < contacted:
        parts.append(parts_of["contact"]())
        ending = parts_of["signature"]() if rng.random() < 0.6 else parts_of["closing"]()
    elif roll < paid:
        parts.append(parts_of["payment"]())
        if rng.random() < 0.4:
            parts.append(other_problem(parts[-1], parts_of["payment"]))
        ending = parts_of["signature"]()
    elif roll < third:
        parts.append(parts_of["third_party"]())
        ending = parts_of["closing"]()
    else:
        ending = parts_of["signature"]()
    if opening.startswith("Segnalo") and no_data <= roll < introduced:
        opening = "Buongiorno, "
    if opening and not parts[0].startswith("[["):
        parts[0] = opening + (lower_first(parts[0]) if opening.endswith(", ") or opening.startswith("Segnalo") else parts[0])
    return " ".join(parts) + ending


def other_problem(first, make):
    while True:
        second = make()
        if second[:15] != first[:15]:
            return second


# --- English texts -------------------------------------------------------------------

def problem_en():
    s = pick(STREETS_EN)
    return pick([
        f"The street light outside number {house()} {s} has been out since {date_en()}.",
        f"Lamp post {rng.randint(100, 9999)} on {s} is flickering all night.",
        f"There is a pothole about {rng.randint(10, 60)} cm deep near {house()} {s}, a cyclist fell at {time_()} yesterday.",
        f"Bins overflowing on {s} again, last collection was on {date_en()}.",
        f"After the storm on {date_en()} the underpass on {s} is flooded, water is about {measure()} deep.",
        f"Fallen tree in {pick(PLACES_EN)} blocking the path, reference {rng.randint(1000000, 9999999)}.",
        f"Traffic light at the junction of {s} and {pick(STREETS_EN)} stuck on red since {time_()}.",
        f"Blocked drain outside {house()} {s}, the whole pavement floods when it rains.",
        f"Fly-tipping on {s}: a fridge and some mattresses, been there since {date_en()}.",
        f"The bus stop for the {rng.randint(1, 99)} on {s} has lost its shelter.",
        f"Graffiti on the wall of {pick(PLACES_EN)}, second time this month.",
        f"Broken paving slabs on {s} between number {rng.randint(1, 50)} and {rng.randint(51, 120)}.",
        f"Ticket #{rng.randint(100000, 999999)} was closed but the lamp on {s} is still off.",
        f"The playground swing in {pick(PLACES_EN)} has a broken chain.",
        f"I reported this on {date_en()} (ref {tracking_code()}) and nothing has happened.",
        f"Water leaking from the road near {house()} {s} for three days, probably a burst pipe.",
        f"Repair was quoted at €{rng.randint(100, 2000)} but nobody came, {s}.",
        f"Dead pigeon on the pavement of {s} near the bakery.",
        f"I am writing about the lamp post {rng.randint(1000, 99999)} near {pick(PLACES_EN)}, it has been dark for a week.",
        f"This is the third time I report the broken manhole cover on {s}.",
    ])


def plate_problem_en():
    s = pick(STREETS_EN)
    return pick([
        f"Abandoned car {mark('plate', plate())} on {s}, no tax, flat tyres.",
        f"A white van, registration {mark('plate', cued_plate())}, parks on the pavement every night.",
        f"Car with plate {mark('plate', plate())} blocking the dropped kerb at {house()} {s}.",
    ])


def contact_en(first=None, last=None):
    ph = mark("phone", phone_uk())
    em = mark("email", email(first, last))
    return pick([
        f"Call me on {ph} if you need more details.",
        f"My number is {ph}.",
        f"You can reach me at {em} or on {ph}.",
        f"Email me at {em}.",
        f"Phone: {ph}",
        f"Text me on {ph}, I can send photos.",
        f"Contact me at {em}",
        f"My mobile is {ph}.",
        f"I'm on Mastodon as {mark('handle', handle())}.",
        f"WhatsApp {ph}",
    ])


def intro_en():
    n = name_en()
    s = pick(STREETS_EN)
    return pick([
        (f"Hi, I'm {mark('name', n)} from number {house()} {s}.", n),
        (f"My name is {mark('name', n)} and I live on {s}.", n),
        (f"Hello, this is {mark('name', n)}.", n),
        (f"Good morning. I am {mark('name', n)}, a resident of {s}.", n),
        (f"Dear council, my name's {mark('name', n)}.", n),
        (f"Hi, I am {pick(['Mr', 'Mrs', 'Ms', 'Dr'])} {mark('name', surname(name_en(True)))} from flat {rng.randint(1, 30)}.", n),
        (f"Name: {mark('name', n)}.", n),
    ])


def third_party_en():
    n = name_en(True)
    return pick([
        f"My neighbour {mark('name', n)} tripped on it last week.",
        f"I already spoke to {mark('name', n)} at the council office.",
        f"My kid {mark('name', n.split()[0])} fell off their bike there.",
        f"Mrs {mark('name', surname(n))} at number {house()} also complained.",
    ])


SIGN_OFFS_EN = ["Kind regards", "Regards", "Thanks", "Many thanks", "Best regards", "Cheers", "Thank you",
                "Best wishes", "Sincerely"]


def signature_en(n=None):
    n = n or name_en()
    so = pick(SIGN_OFFS_EN)
    return pick([
        f"\n{so},\n{mark('name', n)}",
        f" {so}, {mark('name', n)}",
        f"\n{so}\n{mark('name', n)}",
        f"\n\n{mark('name', n)}" if " " in n else f"\n{so},\n{mark('name', n)}",
    ])


def closing_en():
    return pick(["\nThanks", " Thanks in advance.", "\nKind regards", " Please fix it soon.", "\nA tired resident",
                 f"\n{house()} {pick(STREETS_EN)}", "\nVictoria Park", " Cheers!", "\nMany thanks", "",
                 "\nResidents of Mill Lane", "\nSt John's Road"])


LANGUAGES = {
    "it": {
        "shares": (0.33, 0.5, 0.64, 0.8, 0.9),
        "opening": opening_it,
        "problem": problem_it,
        "plate_share": 0.25,
        "plate_problem": plate_problem_it,
        "intro": intro_it,
        "contact": contact_it,
        "payment": payment_it,
        "third_party": third_party_it,
        "signature": signature_it,
        "closing": closing_it,
    },
    # English reports give no IBAN or tax code: the payment share is empty.
    "en": {
        "shares": (0.35, 0.55, 0.75, 0.75, 0.88),
        "problem": problem_en,
        "plate_share": 0.2,
        "plate_problem": plate_problem_en,
        "intro": intro_en,
        "contact": contact_en,
        "third_party": third_party_en,
        "signature": signature_en,
        "closing": closing_en,
    },
}


# --- files ---------------------------------------------------------------------------

HEADER = """\
# The redactor's evaluation set ({part}): invented citizen reports, one a line.
# Personal data is marked [[kind:text]], kind one of phone, email, handle, tax_code,
# iban, plate, name; a line break inside a text is written \\n. Lines starting with #
# are comments. Written by generate.py beside this file; edit that, not this.
"""


def main():
    here = pathlib.Path(__file__).parent
    texts, seen = [], set()
    while len(texts) < COUNT:
        text = compose("it" if rng.random() < 0.62 else "en")
        text = text.strip(" ").replace("  ", " ")
        if text not in seen:
            seen.add(text)
            texts.append(text.replace("\n", "\\n"))
    held_out = [t for t in texts if rng.random() < HELD_OUT_SHARE]
    kept = set(held_out)
    dev = [t for t in texts if t not in kept]
    for part, lines in [("dev", dev), ("held-out", held_out)]:
        body = HEADER.format(part=part) + "\n".join(lines) + "\n"
        (here / f"{part}.txt").write_text(body, encoding="utf-8")
        print(f"{part}.txt: {len(lines)} texts")


if __name__ == "__main__":
    main()
