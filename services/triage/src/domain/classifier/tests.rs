#![allow(clippy::unwrap_used)]

use super::*;
use crate::domain::{Taxonomy, default_model};

fn classifier() -> Classifier {
    let taxonomy = Taxonomy::default_italian().unwrap();
    Classifier::new(&taxonomy, default_model().unwrap(), 0.3).unwrap()
}

fn routed(classification: &Classification) -> (&str, &str, Priority, bool) {
    match &classification.verdict {
        Verdict::Route {
            department,
            category,
            priority,
            emergency,
        } => (department, category, *priority, *emergency),
        other => panic!("not routed: {other:?} {:?}", classification.explanation),
    }
}

#[test]
fn routes_italian_and_english_to_department_and_category() {
    let c = classifier();
    let cases = [
        (
            "Il lampione di via Roma è spento da giorni",
            "street_lighting",
            "lamp_out",
        ),
        (
            "Street light out on Baker Street",
            "street_lighting",
            "lamp_out",
        ),
        ("Una buca enorme davanti al civico 12", "roads", "pothole"),
        ("Cassonetti pieni, rifiuti ovunque", "waste", "bins"),
        (
            "Someone dumped a mattress and a sofa by the bins",
            "waste",
            "dumping",
        ),
        (
            "Ramo caduto sul marciapiede dopo il temporale",
            "parks_trees",
            "trees",
        ),
        (
            "Tombino intasato, la strada si allaga",
            "water_sewer",
            "drains",
        ),
        (
            "The traffic light at the junction is stuck on red",
            "traffic",
            "traffic_lights",
        ),
        (
            "Auto abbandonata senza targa da mesi",
            "local_police",
            "abandoned_vehicle",
        ),
        (
            "Graffiti sprayed all over the school wall",
            "urban_decorum",
            "graffiti",
        ),
        ("Dead fox lying in the road", "animals", "dead_animal"),
        (
            "Da giorni nessuno ritira la differenziata in via Manzoni",
            "waste",
            "bins",
        ),
        (
            "Erbacce e rovi altissimi nell'aiuola della piazza",
            "parks_trees",
            "green_areas",
        ),
        (
            "Tombini intasati in via Dante, con la pioggia si forma un lago",
            "water_sewer",
            "drains",
        ),
        (
            "Il semaforo pedonale non funziona, il pulsante è rotto",
            "traffic",
            "traffic_lights",
        ),
        (
            "Motorino senza targa lasciato in cortile da mesi",
            "local_police",
            "abandoned_vehicle",
        ),
        ("Topo morto sul marciapiede", "animals", "dead_animal"),
        (
            "Luce pubblica guasta in largo Cavour",
            "street_lighting",
            "lamp_out",
        ),
        (
            "Belisha beacon out at the zebra crossing",
            "traffic",
            "signs",
        ),
        (
            "The lift in our block is out of service again",
            "general",
            "other",
        ),
        ("Come faccio a cambiare la residenza?", "general", "other"),
        (
            "Hallway lights broken on the third floor landing",
            "general",
            "other",
        ),
        (
            "Someone sleeping rough in a tent by the library",
            "general",
            "other",
        ),
        (
            "Electrical cabinet left open, wires showing",
            "general",
            "other",
        ),
    ];
    for (text, department, category) in cases {
        let classification = c.classify(text, ReportContext::default());
        let (d, cat, priority, emergency) = routed(&classification);
        assert_eq!((d, cat), (department, category), "{text}");
        assert_eq!(priority, Priority::Normal);
        assert!(!emergency);
    }
}

#[test]
fn emergencies_are_critical_and_denied_or_harmless_ones_are_not() {
    let c = classifier();
    let crollo = c.classify(
        "Crollo di un balcone, ci sono feriti",
        ReportContext::default(),
    );
    assert_eq!(
        routed(&crollo),
        ("civil_protection", "emergency", Priority::Critical, true)
    );
    assert_eq!(crollo.explanation.matched_keywords, ["crollo", "feriti"]);
    assert_eq!(crollo.explanation.method, method::EMERGENCY);
    for harmless in [
        "The bin fire is out, please collect the bin",
        "Nessun ferito, ma il cartello è caduto",
        "Dumped mattress is a fire hazard",
        "Fire hydrant cover missing",
        "Fireworks litter all over the park",
        "Cars parked across the fire exit of the school",
        "Risk of flooding in the underpass when it rains",
        "Signs of collapse in the old garden wall",
        "The skip fire was put out last night, please take the skip away",
    ] {
        assert!(c.emergency_terms(harmless).is_empty(), "{harmless}");
        let classification = c.classify(harmless, ReportContext::default());
        assert_ne!(
            classification.explanation.method,
            method::EMERGENCY,
            "{harmless}"
        );
    }
    assert_eq!(c.emergency_terms("Fuga di gas in via Po"), ["fuga di gas"]);
}

#[test]
fn real_emergencies_are_detected_in_both_languages() {
    let c = classifier();
    for (text, term) in [
        ("Crollo del tetto in via Verdi", "crollo"),
        ("Incendio nel cortile della scuola", "incendio"),
        ("C'è una fuga di gas in via Po", "fuga di gas"),
        ("Alluvione: il quartiere è sott'acqua", "alluvion"),
        ("Frana sulla strada per il colle", "frana"),
        ("Incidente, ci sono feriti a terra", "feriti"),
        (
            "Persone intrappolate in ascensore dopo la scossa",
            "intrappolat",
        ),
        ("Una famiglia è sotto le macerie", "sotto le macerie"),
        ("The flat above the shop is on fire", "on fire"),
        ("House on fire, the fire brigade is on its way", "on fire"),
        ("Case crollate dopo il terremoto", "crollat"),
        ("After the explosion the warehouse collapsed", "explosion"),
        ("A man remains trapped under the car", "trapped"),
        ("Il signore non risponde e non respira", "non respira"),
        ("He is not moving and not breathing", "not breathing"),
        ("Flames coming out of the first floor window", "flames"),
        (
            "Fire out of control in the park, spreading to the houses",
            "fire",
        ),
        ("Gas leak at the junction, strong smell", "gas leak"),
        (
            "Flooding in the underpass, water up to the car doors",
            "flooding",
        ),
        ("The old cinema has collapsed onto the road", "collapsed"),
        ("A cyclist is injured and lying in the road", "injured"),
        (
            "Crollo di un muro sul marciapiede, ci sono feriti",
            "feriti",
        ),
        ("Un ragazzo a terra che perde sangue", "sangue"),
        ("Signore anziano svenuto in piazza, non risponde", "svenut"),
        (
            "Smottamento sotto la strada, la casa si crepa",
            "smottament",
        ),
        ("Il fiume sta uscendo dagli argini", "dagli argini"),
        (
            "Odore fortissimo di gas vicino all'asilo",
            "odore fortissimo di gas",
        ),
        ("Sottopasso allagato, c'è un'auto dentro", "allagat"),
        ("A man is lying unconscious at the bus stop", "unconscious"),
        (
            "The river has burst its banks by the school",
            "burst its banks",
        ),
    ] {
        let classification = c.classify(text, ReportContext::default());
        assert_eq!(
            classification.explanation.method,
            method::EMERGENCY,
            "{text}: {:?}",
            classification.explanation
        );
        assert!(
            classification
                .explanation
                .matched_keywords
                .iter()
                .any(|k| k == term),
            "{text}: {:?}",
            classification.explanation.matched_keywords
        );
    }
}

#[test]
fn everyday_faults_in_emergency_words_go_to_their_department() {
    let c = classifier();
    for (text, department, rule) in [
        (
            "The drain cover outside the shop has collapsed",
            "roads",
            "ordinary:collapsed+cover→roads/manhole",
        ),
        (
            "Collapsed drain at the corner, water everywhere",
            "water_sewer",
            "ordinary:collapsed+drain→water_sewer/drains",
        ),
        (
            "Blocked gully causing flooding across the road every time it rains",
            "water_sewer",
            "ordinary:flooding+blocked→water_sewer/drains",
        ),
        (
            "Blocked drain causing flooding. The water is flooding the garden of number 3",
            "water_sewer",
            "ordinary:flooding+blocked→water_sewer/drains",
        ),
        (
            "Surface water flooding on the road outside number 10",
            "water_sewer",
            "ordinary:flooding+surface water→water_sewer/drains",
        ),
        (
            "La strada si è allagata di nuovo per il tombino intasato",
            "water_sewer",
            "ordinary:allagat+strada→water_sewer/drains",
        ),
        (
            "Injured fox in the garden",
            "animals",
            "ordinary:injured+fox→animals/stray_animals",
        ),
        (
            "Chiusino crollato in mezzo alla carreggiata",
            "roads",
            "ordinary:crollat+chiusin→roads/manhole",
        ),
        (
            "The railings along the canal path have collapsed",
            "urban_decorum",
            "ordinary:collapsed+railing→urban_decorum/vandalism",
        ),
        (
            "Speed table collapsed, the road surface around it is breaking up",
            "roads",
            "ordinary:collapsed+speed table→roads/pothole",
        ),
    ] {
        let classification = c.classify(text, ReportContext::default());
        assert!(c.emergency_terms(text).is_empty(), "{text}");
        assert_eq!(routed(&classification).0, department, "{text}");
        assert!(
            classification.explanation.rules.iter().any(|r| r == rule),
            "{text}: {:?}",
            classification.explanation.rules
        );
    }
    for what_has_not_happened in [
        "Loose paving slab, someone could get injured",
        "Fix this before someone is injured",
        "Il muro potrebbe crollare da un momento all'altro",
    ] {
        assert!(
            c.emergency_terms(what_has_not_happened).is_empty(),
            "{what_has_not_happened}"
        );
    }
}

#[test]
fn thanks_and_other_operators_are_answered_and_vague_text_is_reviewed() {
    let c = classifier();
    assert_eq!(
        c.classify("Grazie mille, complimenti!", ReportContext::default())
            .verdict,
        Verdict::NotAReport
    );
    assert_eq!(
        c.classify(
            "My national rail train was cancelled again",
            ReportContext::default()
        )
        .verdict,
        Verdict::OutOfRemit
    );
    // A question about a service, not a problem: answered, with no work order.
    assert_eq!(
        c.classify(
            "Come faccio a iscrivere mio figlio all'asilo nido?",
            ReportContext::default()
        )
        .verdict,
        Verdict::NotAReport
    );
    // A thank-you that also reports a problem is a report.
    let both = c.classify(
        "Thanks! Also the street light outside 4 is out",
        ReportContext::default(),
    );
    assert_eq!(routed(&both).0, "street_lighting");
    // So is a longer description that closes with thanks, even without a
    // department's keyword.
    let polite = c.classify(
        "Next to 42 Charlotte Street the light has stopped working. \
         Can it be fixed please? Thank you.",
        ReportContext::default(),
    );
    assert_ne!(
        polite.verdict,
        Verdict::NotAReport,
        "{:?}",
        polite.explanation
    );
    assert!(matches!(
        c.classify(
            "Qualcuno deve venire a vedere, è una situazione assurda",
            ReportContext::default()
        )
        .verdict,
        Verdict::Review { .. }
    ));
}

#[test]
fn the_measured_routing_is_what_the_service_does() {
    let c = classifier();
    for (text, department) in [
        (
            "C'è una fuga di gas in via Roma, si sente l'odore",
            "civil_protection",
        ),
        ("House fire on Mill Lane, people inside", "civil_protection"),
        ("Grazie mille, complimenti!", "general"),
        ("My national rail train was cancelled again", "general"),
        (
            "Thanks! Also the street light outside 4 is out",
            "street_lighting",
        ),
        ("The bin fire is out, please collect the burnt bin", "waste"),
        ("Buca enorme in via Garibaldi", "roads"),
    ] {
        let routing = c.routing_of(text, ReportContext::default());
        assert_eq!(routing.department, department, "{text}");
        assert!(!routing.to_review, "{text}");
    }
    // A vague report is measured as waiting for an operator, as the service does.
    let vague = "Qualcuno deve venire a vedere, è una situazione assurda";
    assert!(matches!(
        c.classify(vague, ReportContext::default()).verdict,
        Verdict::Review { .. }
    ));
    assert!(c.routing_of(vague, ReportContext::default()).to_review);
    // Under a threshold of zero nothing waits.
    let taxonomy = Taxonomy::default_italian().unwrap();
    let eager = Classifier::new(&taxonomy, default_model().unwrap(), 0.0).unwrap();
    assert!(!eager.routing_of(vague, ReportContext::default()).to_review);
}

fn trained(examples: &[crate::domain::Example]) -> Result<Model, crate::domain::ModelError> {
    Model::train(
        examples,
        "t",
        &Featurizer::default(),
        crate::domain::TrainingOptions::default(),
    )
}

fn filed(service: &str) -> ReportContext<'_> {
    ReportContext {
        service: Some(service),
        ..ReportContext::default()
    }
}

#[test]
fn the_chosen_service_code_wins_over_the_text_unless_it_is_an_emergency() {
    let c = classifier();
    let pothole = c.classify("Deep pothole in front of number 4", filed("101"));
    assert_eq!(
        routed(&pothole),
        ("street_lighting", "lamp_out", Priority::Normal, false)
    );
    assert_eq!(pothole.explanation.method, method::SERVICE_CODE);
    assert_eq!(pothole.explanation.rules, ["service_code:101"]);
    assert_eq!(
        c.routing_of("Deep pothole in front of number 4", filed("101"))
            .department,
        "street_lighting"
    );
    let fire = c.classify("House fire on Mill Lane, people inside", filed("101"));
    assert_eq!(routed(&fire).0, "civil_protection");
    // A code the taxonomy does not have is no choice at all.
    let unknown = c.classify("Deep pothole in front of number 4", filed("999"));
    assert_eq!(routed(&unknown).0, "roads");
    assert_eq!(unknown.explanation.method, method::CLASSIFIER);
}

#[test]
fn a_model_that_learned_a_service_code_weighs_it_against_the_text() {
    // In this city's history, a vague report took its department from the
    // service it was filed under; potholes filed as "lamp out" (101) went to roads.
    let taxonomy = Taxonomy::default_italian().unwrap();
    let mut examples = taxonomy.training_examples();
    let history = (0..8).flat_map(|i| {
        [
            (
                format!("It is broken, please fix it {i}"),
                "101",
                "street_lighting",
            ),
            (format!("It is broken, please fix it {i}"), "201", "roads"),
            (format!("Pothole outside the school {i}"), "101", "roads"),
        ]
    });
    for (text, service, label) in history {
        examples.push(crate::domain::Example {
            text,
            label: label.into(),
            position: None,
            service: Some(service.into()),
            accepted: Vec::new(),
        });
    }
    let c = Classifier::new(&taxonomy, trained(&examples).unwrap(), 0.0).unwrap();

    let pothole = c.classify("Deep pothole in front of number 4", filed("101"));
    assert_eq!(routed(&pothole).0, "roads", "{:?}", pothole.explanation);
    assert_eq!(pothole.explanation.method, method::CLASSIFIER);
    assert!(
        !pothole
            .explanation
            .rules
            .contains(&"service_code:101".into())
    );
    // Where the model agrees with the citizen, the citizen named the category.
    let vague = c.classify("Broken again, please fix", filed("101"));
    assert_eq!(
        routed(&vague),
        ("street_lighting", "lamp_out", Priority::Normal, false),
        "{:?}",
        vague.explanation
    );
    assert!(vague.explanation.rules.contains(&"service_code:101".into()));
    assert!(
        vague.explanation.features.contains(&"@service:101".into()),
        "{:?}",
        vague.explanation
    );
    let road = c.classify("Broken again, please fix", filed("201"));
    assert_eq!(routed(&road).0, "roads", "{:?}", road.explanation);
    // A code it never learned still wins, as with the default model.
    let manhole = c.classify("Deep pothole in front of number 4", filed("203"));
    assert_eq!(routed(&manhole).1, "manhole");
    assert_eq!(manhole.explanation.method, method::SERVICE_CODE);
}

#[test]
fn a_model_with_labels_outside_the_taxonomy_is_refused() {
    let taxonomy = Taxonomy::default_italian().unwrap();
    let examples =
        [("a lamp", "lights"), ("a hole", "holes")].map(|(text, label)| crate::domain::Example {
            text: text.into(),
            label: label.into(),
            position: None,
            service: None,
            accepted: Vec::new(),
        });
    let error = Classifier::new(&taxonomy, trained(&examples).unwrap(), 0.3)
        .err()
        .unwrap();
    assert_eq!(
        error.to_string(),
        "the model knows labels that are not departments of the taxonomy: holes, lights"
    );
}

fn is_emergency(c: &Classifier, text: &str) -> bool {
    !c.emergency_terms(text).is_empty()
}

#[test]
fn casualties_collapses_and_breaches_said_as_people_say_them_are_emergencies() {
    let c = classifier();
    for text in [
        "È crollato il ponte sul torrente, ci sono dispersi",
        "Alluvione: almeno 4 morti e diversi sfollati in paese",
        "Rotto l'argine del fiume, l'acqua entra nelle case",
        "Frana sulla strada provinciale, due auto travolte",
        "Ci sono persone sotto le macerie della palazzina",
        "Anziana invalida non riesce a fuggire dalla casa allagata",
        "Flash floods: the death toll rises to 14",
        "Strong quake hits the city, at least three dead",
        "Two people killed when the bridge collapsed",
        "The earthquake damaged the school, the roof fell in",
        "Scossa fortissima adesso, crepe nei muri e calcinacci in strada",
        "Terremoto adesso a Milano, tutti in strada in zona Niguarda",
        "Il Seveso fa paura, alluvione in corso a Niguarda",
    ] {
        assert!(
            is_emergency(&c, text),
            "{text}: {:?}",
            c.emergency_terms(text)
        );
    }
}

#[test]
fn a_disasters_name_without_anything_it_did_is_not_an_emergency() {
    let c = classifier();
    for text in [
        "#terremoto M 3.2 Alaska",
        "La stabilità del letto durante il #terremoto: mi sono svegliato in bagno",
        "Preghiamo per le vittime del terremoto", // prayer: "le vittime" has no count
        "Con un #terremoto al mese assesto i conti",
        "Earthquake of magnitude 4.1 off the coast of Japan",
        "Terremoto in Alaska, nessun danno",
        "Ma tu sei a Milano? Hai sentito il #terremoto?!",
        "#terremoto M 5.8 off Honshu, Japan: non si registrano vittime",
        "lol the earthquake of emotions after that match",
    ] {
        assert!(
            !is_emergency(&c, text),
            "{text}: {:?}",
            c.emergency_terms(text)
        );
    }
}

#[test]
fn ordinary_reports_in_danger_words_stay_ordinary() {
    let c = classifier();
    for text in [
        "Two dead rats on the pavement outside number 4",
        "Several dead branches on the oak by the footpath",
        "I tripped on the uneven paving stone and injured my knee",
        "Mi sono ferita a un ginocchio: sono inciampata sul marciapiede rotto",
        "Dangerous pothole, someone could be injured",
        "Low branches, potential victims every morning on the path",
        "Three dead pigeons by the bins",
    ] {
        assert!(
            !is_emergency(&c, text),
            "{text}: {:?}",
            c.emergency_terms(text)
        );
    }
}

fn screened(c: &Classifier, text: &str, audience: crate::domain::Audience) -> Verdict {
    let context = ReportContext {
        audience,
        ..ReportContext::default()
    };
    c.classify(text, context).verdict
}

#[test]
fn chatter_is_answered_and_reports_go_through_in_both_languages() {
    use crate::domain::Audience;
    let c = classifier();
    for text in [
        "Buon Natale a tutta la città e buone feste",
        "Alle prossime elezioni voterò per il cambiamento, questa giunta è una vergogna",
        "Our thoughts and prayers are with the families",
        "Free concert in the main square tonight, see you there",
    ] {
        assert_eq!(
            screened(&c, text, Audience::Mention),
            Verdict::NotAReport,
            "{text}"
        );
    }
    for text in [
        "@comune il lampione di via Roma 12 è spento da tre notti",
        "@council huge pothole on Baker Street outside number 40",
        "Cassonetti pieni in via Padova, rifiuti ovunque",
    ] {
        for audience in [Audience::Direct, Audience::Mention] {
            let verdict = screened(&c, text, audience);
            assert!(
                matches!(verdict, Verdict::Route { .. }),
                "{text} ({audience:?}): {verdict:?}"
            );
        }
    }
}

#[test]
fn a_doubtful_mention_waits_for_an_operator_and_says_why() {
    use crate::domain::{Audience, Bar, Screening, ScreeningBars, default_screening_model};
    let taxonomy = Taxonomy::default_italian().unwrap();
    let everything_doubtful = Bar {
        answer_below: 0.0,
        review_below: 1.0,
    };
    let bars = ScreeningBars {
        mention: everything_doubtful,
        ..ScreeningBars::default()
    };
    let c = Classifier::new(&taxonomy, default_model().unwrap(), 0.3)
        .unwrap()
        .with_screening(Screening::new(default_screening_model().unwrap(), bars).unwrap());
    let text = "Il lampione di via Roma è spento da giorni";
    let Verdict::Review { reason } = screened(&c, text, Audience::Mention) else {
        panic!("not in review");
    };
    assert!(reason.contains("may not be a report"), "{reason}");
    assert!(
        matches!(screened(&c, text, Audience::Direct), Verdict::Route { .. }),
        "the city's own channels keep their own bar"
    );
}

#[test]
fn screening_refuses_a_model_of_other_labels_and_bars_out_of_order() {
    use crate::domain::{Bar, Screening, ScreeningBars, ScreeningError, default_screening_model};
    assert!(matches!(
        Screening::new(default_model().unwrap(), ScreeningBars::default()),
        Err(ScreeningError::Classes(_))
    ));
    let backwards = ScreeningBars {
        direct: Bar {
            answer_below: 0.5,
            review_below: 0.2,
        },
        ..ScreeningBars::default()
    };
    assert!(matches!(
        Screening::new(default_screening_model().unwrap(), backwards),
        Err(ScreeningError::Bars)
    ));
}
