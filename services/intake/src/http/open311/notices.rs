//! The sentences Open311 answers add of their own (`service_notice`), in the answer's
//! language: Italian or English, the city's language standing for any other.

/// A request without a position: its address could not be found on the city's map.
pub fn place_unknown(language: &str) -> &'static str {
    match language {
        "en" => {
            "The place is unknown: the address could not be found on the city's map, so the request has no position. The city will locate it; a new request with lat and long, or a fuller address, helps."
        }
        _ => {
            "Luogo sconosciuto: l'indirizzo non è stato trovato sulla mappa della città, quindi la segnalazione non ha una posizione. Il Comune la localizzerà; una nuova segnalazione con lat e long, o un indirizzo più completo, aiuta."
        }
    }
}
