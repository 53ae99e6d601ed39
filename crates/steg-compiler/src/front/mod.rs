//! The front matter of each kind of file, exactly as an editor writes it.
//!
//! Unknown fields are refused (a typo such as `titel:` must not be silently ignored), and
//! fields that later checks point at are [`Spanned`] so those checks can name line and column.
//!
//! The `#[schemars]` attributes make the editors' JSON Schemas (see `schema.rs`): descriptions
//! in Swedish, for the editors who read them, and `with` naming the type inside a `Spanned`
//! (serde-saphyr's type, which has no schema of its own and cannot be given one here).

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;
use steg_bundle::manifest::{Activity, AudienceGroup, ProxyDelivery, Recipient, Trigger};

pub mod schema;

/// The steg types, their required fields and the fields each may have.
pub const STEG_TYPE_FIELDS: &[(&str, &[&str])] = &[
    ("text", &[]),
    (
        "video",
        &[
            "src",
            "url",
            "captions",
            "transcript",
            "poster",
            "duration_seconds",
            "poster_alt",
            "captions_language",
            "tracks",
            "transcript_language",
            "transcript_kind",
        ],
    ),
    (
        "audio",
        &[
            "src",
            "url",
            "transcript",
            "duration_seconds",
            "transcript_language",
            "transcript_kind",
        ],
    ),
    ("image", &["src", "alt", "decorative", "caption"]),
    ("form", &["questions", "scores", "instrument"]),
    ("exercise", &["fields"]),
];

/// The fields each question type uses, besides id, type, label, help, required, show_if and
/// alert.
pub const QUESTION_TYPE_FIELDS: &[(&str, &[&str])] = &[
    ("text", &[]),
    ("long_text", &[]),
    ("single_choice", &["options"]),
    ("multiple_choice", &["options"]),
    ("yes_no", &[]),
    ("scale", &["min", "max", "step", "min_label", "max_label"]),
    ("number", &["min", "max", "unit", "decimals"]),
    ("date", &[]),
    ("time", &[]),
    ("display", &[]),
    ("group", &["questions"]),
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "moment.md",
    description = "Programmet (momentet): namn, version, målgrupp och flaggor. Texten under fälten är välkomsttexten."
)]
pub struct MomentFront {
    #[schemars(
        with = "Option<String>",
        description = "Programmets id: små bokstäver a–z, siffror och bindestreck. Utan id används mappens namn."
    )]
    pub id: Option<Spanned<String>>,
    #[schemars(description = "Programmets namn, t.ex. PLUS ung.")]
    pub title: String,
    #[schemars(
        with = "String",
        description = "Versionsnummer som MAJOR.MINOR.PATCH, t.ex. 1.0.0."
    )]
    pub version: Spanned<String>,
    #[schemars(with = "String", description = "Språket som en språkkod, t.ex. sv.")]
    pub language: Spanned<String>,
    #[schemars(description = "En kort beskrivning av programmet.")]
    pub summary: Option<String>,
    #[schemars(
        with = "u32",
        description = "Hur många dagar programmet pågår när det har startat."
    )]
    pub duration_days: Spanned<u32>,
    #[schemars(description = "Vem programmet är skrivet för.")]
    pub audience: AudienceFront,
    #[serde(default)]
    #[schemars(
        description = "Värden som plattformen fyller i, t.ex. mottagningens namn. De skrivs {{namn}} i välkomsttexten."
    )]
    pub placeholders: Vec<PlaceholderFront>,
    #[serde(default)]
    #[schemars(
        description = "Meddelanden (flaggor) som skickas till den unga eller till behandlaren."
    )]
    pub flags: Vec<FlagFront>,
    #[schemars(description = "Gränser och undantag för kvalitetskontrollerna i steg check.")]
    pub checks: Option<ChecksFront>,
    #[schemars(
        with = "Option<std::collections::BTreeMap<String, String>>",
        description = "Text som skrivs en gång och visas på flera ställen, t.ex. krisrutan: namn och Markdown-text. Ett steg, en modul eller välkomsttexten tar med den med en egen rad `::: snippet namn`."
    )]
    pub snippets: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    #[schemars(
        description = "Hur formulären skrivs som FHIR Questionnaire: webbadressen de får och vem som ger ut dem."
    )]
    pub fhir: Option<FhirFront>,
}

/// `fhir:` in moment.md: what the FHIR export of the forms says about where they come from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "Hur formulären skrivs som FHIR Questionnaire: webbadressen de får och vem som ger ut dem."
)]
pub struct FhirFront {
    #[schemars(
        with = "Option<String>",
        description = "Början på formulärens kanoniska adress, t.ex. https://fhir.example.se/plus-ung. Ett formulär får adressen <början>/Questionnaire/<id>. Utan fältet: urn:steg:…"
    )]
    pub canonical_base: Option<Spanned<String>>,
    #[schemars(description = "Vem som ger ut formulären (FHIR publisher), t.ex. regionens namn.")]
    pub publisher: Option<String>,
}

/// `checks:` in moment.md: limits and allow-lists for the quality rules.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "Gränser och undantag för kvalitetskontrollerna i steg check.")]
pub struct ChecksFront {
    /// The highest LIX per audience group, e.g. `{ unga: 40, vardnadshavare: 50 }`.
    #[schemars(
        with = "Option<std::collections::BTreeMap<crate::front::schema::AudienceGroupDoc, f64>>",
        description = "Högsta LIX per målgrupp, t.ex. { unga: 40, vardnadshavare: 50 }. Standard: 40 för unga."
    )]
    pub lix: Option<std::collections::BTreeMap<AudienceGroup, f64>>,
    /// Public phone numbers and e-mail addresses that may appear in the program.
    #[schemars(
        description = "Telefonnummer och e-postadresser som får stå i texterna, t.ex. mottagningens växel."
    )]
    pub allowed_contacts: Option<Vec<String>>,
    #[schemars(
        description = "Högsta antal ord i ett steg. Längre steg rapporteras. Standard: 700."
    )]
    pub max_words: Option<usize>,
    /// Hosts whose pages raw HTML may embed with `<iframe src="https://HOST/...">`, e.g.
    /// `[www.youtube-nocookie.com]`. Without it, no iframe is allowed.
    #[schemars(
        description = "Webbplatser som HTML i texten får bädda in med <iframe>, t.ex. www.youtube-nocookie.com. Utan listan tillåts ingen iframe."
    )]
    pub allowed_iframe_hosts: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "Vem programmet är skrivet för.")]
pub struct AudienceFront {
    #[schemars(
        with = "Vec<crate::front::schema::AudienceGroupDoc>",
        description = "Målgrupperna: unga och/eller vardnadshavare."
    )]
    pub groups: Spanned<Vec<AudienceGroup>>,
    #[schemars(
        with = "u8",
        description = "Åldern på den yngsta läsaren som texten är skriven för."
    )]
    pub min_age: Spanned<u8>,
    #[schemars(description = "Under denna ålder använder en vårdnadshavare programmet som ombud.")]
    pub proxy_under_age: Option<u8>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "Ett värde som plattformen fyller i, t.ex. mottagningens namn.")]
pub struct PlaceholderFront {
    #[schemars(with = "String", description = "Namnet som skrivs {{namn}} i texten.")]
    pub name: Spanned<String>,
    #[schemars(description = "Vad värdet är, för den som fyller i det.")]
    pub description: String,
    #[schemars(description = "Ett exempel som visas i förhandsvisningen.")]
    pub example: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "Ett meddelande (en flagga) till den unga eller till behandlaren.")]
pub struct FlagFront {
    #[schemars(
        with = "String",
        description = "Flaggans id: små bokstäver a–z, siffror och bindestreck."
    )]
    pub id: Spanned<String>,
    #[schemars(description = "Flaggans namn.")]
    pub title: String,
    #[schemars(
        with = "crate::front::schema::RecipientDoc",
        description = "Vem som får meddelandet: invanare (den unga) eller behandlare."
    )]
    pub recipient: Recipient,
    #[schemars(
        with = "crate::front::schema::TriggerDoc",
        description = "När meddelandet skickas, t.ex. { event: inactive, days: 7 }."
    )]
    pub trigger: Spanned<Trigger>,
    #[schemars(
        description = "Meddelandets text. Den får innehålla {{namn}} för en deklarerad platshållare, som plattformen fyller i."
    )]
    pub message: String,
    #[schemars(
        with = "Option<u32>",
        description = "Bara för inactive: skicka igen var repeat_days:e dag så länge den unga inte är aktiv. Utan fältet skickas flaggan en gång per period utan aktivitet."
    )]
    pub repeat_days: Option<Spanned<u32>>,
    #[schemars(
        with = "Option<crate::front::schema::ActivityDoc>",
        description = "Bara för inactive: vad som räknas som aktivitet. Standard: any (allt den unga gör i programmet)."
    )]
    pub activity: Option<Activity>,
    #[schemars(
        with = "Option<crate::front::schema::ProxyDeliveryDoc>",
        description = "Bara för invanare: vart flaggan går när en vårdnadshavare använder programmet som ombud. Standard: ombud (vårdnadshavaren får den)."
    )]
    pub proxy: Option<ProxyDelivery>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "modul.md",
    description = "En modul: namn och sammanfattning. Texten under fälten är modulens inledning."
)]
pub struct ModulFront {
    #[schemars(
        with = "Option<String>",
        description = "Modulens id: små bokstäver a–z, siffror och bindestreck. Utan id används mappens namn utan nummer."
    )]
    pub id: Option<Spanned<String>>,
    #[schemars(description = "Modulens namn.")]
    pub title: String,
    #[schemars(description = "En eller två meningar om vad modulen handlar om.")]
    pub summary: String,
    #[schemars(
        with = "Option<u32>",
        description = "Hur många dagar modulen är öppen när den har startat."
    )]
    pub duration_days: Option<Spanned<u32>>,
    #[schemars(
        with = "Option<Vec<crate::front::schema::AudienceGroupDoc>>",
        description = "Vilka målgrupper modulen är till för. Standard: programmets målgrupper."
    )]
    pub audience: Option<Vec<AudienceGroup>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "avsnitt.md",
    description = "Ett avsnitt: namn. Texten under fälten är en inledning (valfri)."
)]
pub struct AvsnittFront {
    #[schemars(
        with = "Option<String>",
        description = "Avsnittets id: små bokstäver a–z, siffror och bindestreck. Utan id används mappens namn utan nummer."
    )]
    pub id: Option<Spanned<String>>,
    #[schemars(description = "Avsnittets namn.")]
    pub title: String,
    #[schemars(
        with = "Option<Vec<crate::front::schema::AudienceGroupDoc>>",
        description = "Vilka målgrupper avsnittet är till för, t.ex. [vardnadshavare]. Standard: modulens målgrupper. Stegen i avsnittet ärver det."
    )]
    pub audience: Option<Vec<AudienceGroup>>,
}

/// One struct for every steg type: which fields a type needs is checked after parsing, so
/// that a missing or misplaced field gets a message about the type, not about YAML.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "steg",
    description = "Ett steg: en sida med text, film, ljud, bild, formulär eller uppgift. Vilka fält som gäller beror på type."
)]
pub struct StegFront {
    #[schemars(
        with = "Option<String>",
        description = "Stegets id: små bokstäver a–z, siffror och bindestreck. Utan id används filens namn utan nummer. Ändra det inte när programmet används: framstegen sparas under det."
    )]
    pub id: Option<Spanned<String>>,
    #[schemars(
        description = "Stegets rubrik. Den visas överst på sidan, så rubriker i texten börjar med ##."
    )]
    pub title: String,
    #[serde(rename = "type")]
    #[schemars(
        with = "Option<String>",
        description = "Stegets typ: text (standard), video, audio, image, form eller exercise."
    )]
    pub kind: Option<Spanned<String>>,
    #[schemars(
        with = "Option<Vec<crate::front::schema::AudienceGroupDoc>>",
        description = "Vilka målgrupper steget är till för, t.ex. [vardnadshavare]. Standard: modulens målgrupper."
    )]
    pub audience: Option<Vec<AudienceGroup>>,
    // video, audio, image
    #[schemars(
        with = "Option<String>",
        description = "Sökväg till filen, t.ex. /media/film.webm. En sökväg som börjar med / utgår från programmets mapp."
    )]
    pub src: Option<Spanned<String>>,
    #[schemars(
        with = "Option<String>",
        description = "En webbadress (https://...) till en film eller ett ljud som plattformen spelar upp. Används i stället för src."
    )]
    pub url: Option<Spanned<String>>,
    #[schemars(
        with = "Option<String>",
        description = "Undertexter i WebVTT (.vtt). Krävs för film (WCAG 1.2.2)."
    )]
    pub captions: Option<Spanned<String>>,
    #[schemars(
        with = "Option<String>",
        description = "En Markdown-fil med allt som sägs och visas. Krävs för film och ljud."
    )]
    pub transcript: Option<Spanned<String>>,
    #[schemars(
        with = "Option<String>",
        description = "En stillbild som visas innan filmen startar."
    )]
    pub poster: Option<Spanned<String>>,
    #[schemars(
        with = "Option<u32>",
        description = "Filmens eller ljudets längd i sekunder, t.ex. 180 för tre minuter. Krävs för film och ljud: den unga ser hur lång filmen är innan hen startar den."
    )]
    pub duration_seconds: Option<Spanned<u32>>,
    #[schemars(
        with = "Option<String>",
        description = "Alternativtext: vad bilden visar, för den som inte ser den. Krävs om inte decorative: true."
    )]
    pub alt: Option<Spanned<String>>,
    #[schemars(
        with = "Option<bool>",
        description = "true om bilden bara är utsmyckning och inte tillför något till texten."
    )]
    pub decorative: Option<Spanned<bool>>,
    #[schemars(
        with = "Option<String>",
        description = "Bildtext som visas under bilden."
    )]
    pub caption: Option<Spanned<String>>,
    // form
    #[schemars(
        with = "Option<Vec<QuestionFront>>",
        description = "Formulärets frågor, i den ordning de ställs."
    )]
    pub questions: Option<Spanned<Vec<QuestionFront>>>,
    #[schemars(
        with = "Option<Vec<ScoreFront>>",
        description = "Summor av poäng från frågorna, t.ex. en total med nivåer."
    )]
    pub scores: Option<Spanned<Vec<ScoreFront>>>,
    #[schemars(
        with = "Option<InstrumentFront>",
        description = "Det publicerade formulär (t.ex. PHQ-9) som frågorna återger, med källa och licens."
    )]
    pub instrument: Option<Spanned<InstrumentFront>>,
    // exercise
    #[schemars(
        with = "Option<Vec<FieldFront>>",
        description = "Fält där den unga kan skriva, t.ex. en plan för veckan."
    )]
    pub fields: Option<Spanned<Vec<FieldFront>>>,
    /// Findings this steg silences, each with the reason reviewers will see.
    #[schemars(
        description = "Fynd från steg check som inte ska gälla detta steg, vart och ett med ett skäl som granskaren ser."
    )]
    pub allow: Option<Vec<AllowFront>>,
    #[schemars(
        with = "Option<bool>",
        description = "true om steget är en tillfällig platshållare (t.ex. en film som inte är inspelad än). steg check varnar och steg build --release vägrar så länge det står kvar."
    )]
    pub placeholder: Option<Spanned<bool>>,
    #[schemars(
        with = "Option<Vec<String>>",
        description = "Adresser (modul/avsnitt/steg) som steget hade i tidigare versioner. Då flyttar plattformen de ungas framsteg och svar till den nya adressen."
    )]
    pub moved_from: Option<Vec<Spanned<String>>>,
    #[schemars(
        description = "Vad stillbilden (poster) visar, för den som inte ser den. Utan fältet räknas den som dekoration."
    )]
    pub poster_alt: Option<String>,
    #[schemars(
        with = "Option<String>",
        description = "Undertexternas språk som en språkkod, t.ex. sv. Standard: programmets språk."
    )]
    pub captions_language: Option<Spanned<String>>,
    #[schemars(
        with = "Option<Vec<TrackFront>>",
        description = "Fler textspår till filmen utöver captions: undertexter på andra språk, syntolkning som text eller kapitel. Vart och ett med fil, språk, sort och namn."
    )]
    pub tracks: Option<Spanned<Vec<TrackFront>>>,
    #[schemars(
        with = "Option<String>",
        description = "Transkriptionens språk som en språkkod, t.ex. sv. Standard: programmets språk."
    )]
    pub transcript_language: Option<Spanned<String>>,
    #[schemars(
        with = "Option<String>",
        description = "Vad transkriptionen innehåller: descriptive (allt som sägs, hörs och visas; standard) eller speech (bara det som sägs)."
    )]
    pub transcript_kind: Option<Spanned<String>>,
}

/// One more text track of a video, besides `captions:`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "Ett textspår till filmen (WebVTT), t.ex. undertexter på ett annat språk."
)]
pub struct TrackFront {
    #[schemars(
        with = "String",
        description = "Sökväg till WebVTT-filen (.vtt), t.ex. /media/film.en.vtt."
    )]
    pub src: Spanned<String>,
    #[schemars(
        with = "String",
        description = "Textens språk som en språkkod, t.ex. en, ar eller sv."
    )]
    pub language: Spanned<String>,
    #[schemars(
        with = "Option<String>",
        description = "Sort: subtitles (översatt tal; standard), captions (tal och ljud för den som inte hör), descriptions (det som visas, som text) eller chapters (kapitel)."
    )]
    pub kind: Option<Spanned<String>>,
    #[schemars(
        description = "Namnet som spelaren visar i sin meny, t.ex. English. Standard: språkets namn."
    )]
    pub label: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "Ett fynd från steg check som inte ska gälla detta steg.")]
pub struct AllowFront {
    #[schemars(with = "String", description = "Koden för fyndet, t.ex. W1102.")]
    pub code: Spanned<String>,
    #[schemars(description = "Varför fyndet inte gäller här. Granskaren ser skälet.")]
    pub reason: String,
}

/// A question, a group of questions (`questions:`) or a text (`display`). Which fields a
/// type uses is checked after parsing (see `model::form`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "En fråga, en grupp av frågor (group) eller en text mellan frågorna (display)."
)]
pub struct QuestionFront {
    #[schemars(
        with = "String",
        description = "Frågans id, unikt i hela formuläret. Svaren sparas under det, så ändra det inte när formuläret används."
    )]
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    #[schemars(
        with = "String",
        description = "Frågans typ: text, long_text, single_choice, multiple_choice, yes_no, scale, number, date, time, display eller group."
    )]
    pub kind: Spanned<String>,
    #[schemars(description = "Frågan, eller texten i en display.")]
    pub label: String,
    #[schemars(description = "Hjälptext som visas under frågan.")]
    pub help: Option<String>,
    #[schemars(
        with = "Option<bool>",
        description = "true om frågan måste besvaras när den visas. Standard: false."
    )]
    pub required: Option<Spanned<bool>>,
    #[schemars(
        with = "Option<Vec<OptionFront>>",
        description = "Svarsalternativen (single_choice och multiple_choice)."
    )]
    pub options: Option<Spanned<Vec<OptionFront>>>,
    // scale and number
    #[schemars(with = "Option<f64>", description = "Lägsta värde. Krävs för scale.")]
    pub min: Option<Spanned<f64>>,
    #[schemars(
        with = "Option<f64>",
        description = "Högsta värde, större än min. Krävs för scale."
    )]
    pub max: Option<Spanned<f64>>,
    #[schemars(
        with = "Option<f64>",
        description = "Avståndet mellan värdena på skalan. Standard: 1."
    )]
    pub step: Option<Spanned<f64>>,
    #[schemars(
        with = "Option<String>",
        description = "Text vid skalans lägsta värde."
    )]
    pub min_label: Option<Spanned<String>>,
    #[schemars(
        with = "Option<String>",
        description = "Text vid skalans högsta värde."
    )]
    pub max_label: Option<Spanned<String>>,
    #[schemars(
        with = "Option<String>",
        description = "Enhet som visas bredvid fältet, t.ex. timmar."
    )]
    pub unit: Option<Spanned<String>>,
    #[schemars(
        with = "Option<u8>",
        description = "Antal decimaler, 0 till 6. Standard: 0 (heltal)."
    )]
    pub decimals: Option<Spanned<u8>>,
    // group
    #[schemars(
        with = "Option<Vec<QuestionFront>>",
        description = "Frågorna i gruppen."
    )]
    pub questions: Option<Spanned<Vec<QuestionFront>>>,
    #[schemars(
        with = "Option<ConditionFront>",
        description = "Visa frågan bara när ett tidigare svar stämmer, t.ex. { question: mardrommar, equals: true }."
    )]
    pub show_if: Option<Spanned<ConditionFront>>,
    #[schemars(
        with = "Option<AlertFront>",
        description = "Säg till behandlaren när svaret stämmer med when."
    )]
    pub alert: Option<Spanned<AlertFront>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "Ett svarsalternativ.")]
pub struct OptionFront {
    #[schemars(
        with = "ScalarString",
        description = "Värdet som sparas, unikt i frågan. Ett tal sparas som text."
    )]
    pub value: Spanned<ScalarString>,
    #[schemars(description = "Texten som visas.")]
    pub label: String,
    #[schemars(
        with = "Option<f64>",
        description = "Alternativets poäng, när frågan räknas i en summa."
    )]
    pub score: Option<Spanned<f64>>,
}

/// `show_if:`: one test (`question:` and one operator) or `all:`/`any:` with a list of tests.
/// Every field is optional here so that a wrong combination gets a message about conditions.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "Ett villkor: question och en jämförelse, eller all/any med en lista av villkor."
)]
pub struct ConditionFront {
    #[schemars(with = "Option<String>", description = "Id för en tidigare fråga.")]
    pub question: Option<Spanned<String>>,
    #[schemars(
        with = "Option<ValueFront>",
        description = "Gäller när svaret är detta värde (flerval: ett av de valda)."
    )]
    pub equals: Option<Spanned<ValueFront>>,
    #[schemars(
        with = "Option<ValueFront>",
        description = "Gäller när inget svar är detta värde, även när frågan är obesvarad."
    )]
    pub not_equals: Option<Spanned<ValueFront>>,
    #[schemars(
        with = "Option<ValueFront>",
        description = "Gäller när talet i svaret är större än detta."
    )]
    pub greater: Option<Spanned<ValueFront>>,
    #[schemars(
        with = "Option<ValueFront>",
        description = "Gäller när talet i svaret är mindre än detta."
    )]
    pub less: Option<Spanned<ValueFront>>,
    #[schemars(
        with = "Option<ValueFront>",
        description = "true: frågan har ett svar. false: frågan saknar svar."
    )]
    pub answered: Option<Spanned<ValueFront>>,
    #[schemars(
        with = "Option<Vec<ConditionFront>>",
        description = "Alla villkor i listan måste gälla."
    )]
    pub all: Option<Spanned<Vec<Spanned<ConditionFront>>>>,
    #[schemars(
        with = "Option<Vec<ConditionFront>>",
        description = "Minst ett av villkoren i listan måste gälla."
    )]
    pub any: Option<Spanned<Vec<Spanned<ConditionFront>>>>,
}

/// `alert:` on a question or a score: `when:` holds one operator, tested on its own value.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "Ett larm till behandlaren när svaret eller summan stämmer med when.")]
pub struct AlertFront {
    #[schemars(
        with = "ComparisonFront",
        description = "Jämförelsen, t.ex. { equals: true } eller { greater: 10 }."
    )]
    pub when: Spanned<ComparisonFront>,
    #[schemars(with = "String", description = "Vad behandlaren ska veta eller göra.")]
    pub message: Spanned<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "En jämförelse: exakt en av equals, not_equals, greater, less och answered."
)]
pub struct ComparisonFront {
    #[schemars(
        with = "Option<ValueFront>",
        description = "Gäller när värdet är detta (flerval: ett av de valda)."
    )]
    pub equals: Option<Spanned<ValueFront>>,
    #[schemars(
        with = "Option<ValueFront>",
        description = "Gäller när värdet inte är detta, även när frågan är obesvarad."
    )]
    pub not_equals: Option<Spanned<ValueFront>>,
    #[schemars(
        with = "Option<ValueFront>",
        description = "Gäller när värdet är större än detta."
    )]
    pub greater: Option<Spanned<ValueFront>>,
    #[schemars(
        with = "Option<ValueFront>",
        description = "Gäller när värdet är mindre än detta."
    )]
    pub less: Option<Spanned<ValueFront>>,
    #[schemars(
        with = "Option<ValueFront>",
        description = "true: frågan har ett svar. false: frågan saknar svar."
    )]
    pub answered: Option<Spanned<ValueFront>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "En summa av poäng från frågorna.")]
pub struct ScoreFront {
    #[schemars(
        with = "String",
        description = "Summans id, unikt bland formulärets frågor och summor."
    )]
    pub id: Spanned<String>,
    #[schemars(description = "Summans namn.")]
    pub label: String,
    #[schemars(with = "Vec<String>", description = "Id för frågorna som räknas ihop.")]
    pub questions: Spanned<Vec<Spanned<String>>>,
    #[schemars(
        with = "Option<Vec<BandFront>>",
        description = "Nivåer som tillsammans täcker alla möjliga summor, utan glapp eller överlapp."
    )]
    pub bands: Option<Spanned<Vec<Spanned<BandFront>>>>,
    #[schemars(
        with = "Option<AlertFront>",
        description = "Säg till behandlaren när summan stämmer med when."
    )]
    pub alert: Option<Spanned<AlertFront>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "En nivå för summan: från min till max, båda inräknade.")]
pub struct BandFront {
    #[schemars(with = "f64", description = "Nivåns lägsta summa (ingår).")]
    pub min: Spanned<f64>,
    #[schemars(with = "f64", description = "Nivåns högsta summa (ingår).")]
    pub max: Spanned<f64>,
    #[schemars(description = "Nivåns namn, t.ex. Lätta besvär.")]
    pub label: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "Det publicerade formulär som frågorna återger.")]
pub struct InstrumentFront {
    #[schemars(description = "Formulärets namn, t.ex. PHQ-9.")]
    pub name: String,
    #[schemars(description = "Var formuläret kommer ifrån: författare, år, webbplats.")]
    pub source: Option<String>,
    #[serde(alias = "license")]
    #[schemars(
        with = "Option<String>",
        description = "Licensen eller tillståndet att använda formuläret."
    )]
    pub licence: Option<Spanned<String>>,
    #[schemars(
        description = "Formulärets version. Skriv den inom citattecken, annars blir 1.0 till 1."
    )]
    pub version: Option<ScalarString>,
    #[schemars(
        with = "Option<bool>",
        description = "true om formuläret kräver licens. Då krävs licence."
    )]
    pub licensed: Option<Spanned<bool>>,
}

/// A value in a condition, as written: `equals: 3`, `equals: ja`, `equals: true`. The text
/// form is kept, so `equals: 1` matches an option written `value: 1`.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueFront {
    Bool(bool),
    Number(f64, String),
    Text(String),
}

impl<'de> Deserialize<'de> for ValueFront {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ValueFront;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a text, a number, true or false")
            }
            fn visit_str<E>(self, v: &str) -> Result<ValueFront, E> {
                Ok(ValueFront::Text(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ValueFront, E> {
                Ok(ValueFront::Number(v as f64, v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ValueFront, E> {
                Ok(ValueFront::Number(v as f64, v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ValueFront, E> {
                Ok(ValueFront::Number(v, v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<ValueFront, E> {
                Ok(ValueFront::Bool(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "Ett fält där den unga kan skriva.")]
pub struct FieldFront {
    #[schemars(with = "String", description = "Fältets id, unikt i steget.")]
    pub id: Spanned<String>,
    #[schemars(description = "Texten över fältet.")]
    pub label: String,
    #[serde(default)]
    #[schemars(description = "true för flera rader. Standard: false.")]
    pub multiline: bool,
}

/// A scalar read as text: option values are often written as numbers (`value: 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalarString(pub String);

impl<'de> Deserialize<'de> for ScalarString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ScalarString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a text or a number")
            }
            fn visit_str<E>(self, v: &str) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for ValueFront {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Value".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": ["string", "number", "boolean"],
            "description": "En text, ett tal, true eller false.",
        })
    }
}

impl JsonSchema for ScalarString {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ScalarString".into()
    }

    fn inline_schema() -> bool {
        true
    }

    // serde-saphyr hands over `value: 1` as a number and `value: ja` as text; both are kept as
    // text, so both are valid here.
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": ["string", "number", "boolean"],
        })
    }
}
