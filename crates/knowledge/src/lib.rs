//! The knowledge bank's search: Danish full-text search over methods and good practice with tantivy, in memory.
//! The index is rebuilt from the store's entries whenever they change (it takes milliseconds); it is never the
//! source of truth.
//!
//! Text is analysed with a Danish chain (lower case, Danish stop words, Snowball Danish stemming: "plejefamilier"
//! and "plejefamilie" share a stem). A second field holds the text with æ/ø/å written out (ae/oe/aa), so a search
//! typed on a keyboard without them ("boern", "Aarhus") still finds the entry. Each query word may also match with
//! one typo (two for long words) and as the beginning of a longer word ("pleje" finds "plejefamilie"), ranked
//! below exact matches. Facets (age group, ladder step, evidence, category, goal theme) are counted over the
//! text matches with the other facets' filters applied, so every count says what a click would give.

use domain::event::{GoalTheme, LadderStep};
use domain::knowledge::{parse_jsonl, Category, Evidence, LineError, MethodEntry, AGE_GROUPS};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, STORED};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer, TokenStream,
};
use tantivy::{doc, Index, IndexReader, TantivyDocument, Term};

/// The seed content: real, publicly known methods used in Danish child welfare (docs/knowledge.md).
pub const SEED: &str = include_str!("../seed/methods.jsonl");

/// The seed entries, parsed.
pub fn seed_entries() -> Result<Vec<MethodEntry>, Vec<LineError>> {
    parse_jsonl(SEED)
}

#[derive(Debug, thiserror::Error)]
#[error("søgeindekset kunne ikke bygges: {0}")]
pub struct SearchError(#[from] tantivy::TantivyError);

const ANALYZER: &str = "da";

/// Write æ, ø, å (and a few neighbours) as ASCII the Danish way, in lower case.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'æ' | 'ä' => out.push_str("ae"),
            'ø' | 'ö' => out.push_str("oe"),
            'å' => out.push_str("aa"),
            'é' | 'è' => out.push('e'),
            'ü' => out.push('u'),
            c => out.push(c),
        }
    }
    out
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(Language::Danish).expect("tantivy ships Danish stop words"))
        .filter(Stemmer::new(Language::Danish))
        .build()
}

/// Which entries to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub age_group: Option<(u8, u8)>,
    pub ladder: Option<LadderStep>,
    pub evidence: Option<Evidence>,
    pub category: Option<Category>,
    pub theme: Option<GoalTheme>,
}

impl Filters {
    fn keep(&self, e: &MethodEntry, skip: Option<FacetKind>) -> bool {
        let on = |k: FacetKind| skip != Some(k);
        (!on(FacetKind::Age) || self.age_group.is_none_or(|(lo, hi)| e.age_min <= hi && e.age_max >= lo))
            && (!on(FacetKind::Ladder) || self.ladder.is_none_or(|l| e.ladder_step == l))
            && (!on(FacetKind::Evidence) || self.evidence.is_none_or(|v| e.evidence == v))
            && (!on(FacetKind::Category) || self.category.is_none_or(|c| e.category == c))
            && (!on(FacetKind::Theme) || self.theme.is_none_or(|t| e.themes.contains(&t)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FacetKind {
    Age,
    Ladder,
    Evidence,
    Category,
    Theme,
}

/// Counts per facet value (values with no entries left out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    pub age_groups: Vec<((u8, u8), usize)>,
    pub ladder: Vec<(LadderStep, usize)>,
    pub evidence: Vec<(Evidence, usize)>,
    pub category: Vec<(Category, usize)>,
    pub themes: Vec<(GoalTheme, usize)>,
}

/// A matching entry and its relevance (0 when there was no search text).
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    pub entry: &'a MethodEntry,
    pub score: f32,
}

#[derive(Debug, Clone)]
pub struct Results<'a> {
    pub hits: Vec<Hit<'a>>,
    pub facets: Facets,
}

/// The searchable bank: the active entries and their index.
pub struct Bank {
    entries: Vec<MethodEntry>,
    reader: IndexReader,
    fields: Fields,
}

#[derive(Clone, Copy)]
struct Fields {
    idx: Field,
    name: Field,
    body: Field,
    fold: Field,
}

impl std::fmt::Debug for Bank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bank").field("entries", &self.entries.len()).finish()
    }
}

impl Bank {
    /// Index the entries (the active ones: retired entries are not passed in).
    pub fn build(mut entries: Vec<MethodEntry>) -> Result<Bank, SearchError> {
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let mut sb = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            idx: sb.add_u64_field("idx", FAST | STORED),
            name: sb.add_text_field("name", text.clone()),
            body: sb.add_text_field("body", text.clone()),
            fold: sb.add_text_field("fold", text),
        };
        let index = Index::create_in_ram(sb.build());
        index.tokenizers().register(ANALYZER, analyzer());
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 15_000_000)?;
        for (i, e) in entries.iter().enumerate() {
            let body = body_text(e);
            writer.add_document(doc!(
                fields.idx => i as u64,
                fields.name => e.name.as_str(),
                fields.body => body.as_str(),
                fields.fold => fold(&format!("{} {body}", e.name)),
            ))?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(Bank { entries, reader, fields })
    }

    /// The active entries, by name.
    pub fn entries(&self) -> &[MethodEntry] {
        &self.entries
    }

    pub fn get(&self, id: &str) -> Option<&MethodEntry> {
        self.entries.iter().find(|e| e.id.as_str() == id)
    }

    /// Search: entries matching every word of `text` (all entries when it has no words), filtered, ranked.
    pub fn search(&self, text: &str, filters: &Filters) -> Results<'_> {
        let matched: Vec<(usize, f32)> = match self.text_query(text) {
            None => (0..self.entries.len()).map(|i| (i, 0.0)).collect(),
            Some(q) => self.run(&*q),
        };
        let facets = self.facets(&matched, filters);
        let mut hits: Vec<Hit<'_>> = matched
            .iter()
            .map(|&(i, score)| Hit { entry: &self.entries[i], score })
            .filter(|h| filters.keep(h.entry, None))
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.entry.name.cmp(&b.entry.name)));
        Results { hits, facets }
    }

    fn run(&self, q: &dyn Query) -> Vec<(usize, f32)> {
        let searcher = self.reader.searcher();
        let limit = self.entries.len().max(1);
        let Ok(top) = searcher.search(q, &TopDocs::with_limit(limit).order_by_score()) else {
            return Vec::new();
        };
        top.into_iter()
            .filter_map(|(score, addr)| {
                let doc: TantivyDocument = searcher.doc(addr).ok()?;
                let i = doc.get_first(self.fields.idx)?.as_u64()? as usize;
                Some((i, score))
            })
            .collect()
    }

    /// One clause per query word (all must match); per word: exact stem in the name (boost 4) or text (1), the
    /// æ/ø/å-folded text (1), then fuzzy and prefix matches at lower weight.
    fn text_query(&self, text: &str) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let mut per_word: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for raw in text.split(|c: char| !c.is_alphanumeric()).filter(|s| !s.is_empty()) {
            // A stop word has no token: it does not have to match.
            let Some(w) = tokens(raw).pop() else { continue };
            let fw = tokens(&fold(raw)).pop().unwrap_or_else(|| w.clone());
            let (w, fw) = (w.as_str(), fw.as_str());
            let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let term = |field: Field, w: &str| Term::from_field_text(field, w);
            let boosted = |q: Box<dyn Query>, b: f32| -> (Occur, Box<dyn Query>) {
                (Occur::Should, Box::new(BoostQuery::new(q, b)))
            };
            any.push(boosted(Box::new(TermQuery::new(term(f.name, w), IndexRecordOption::WithFreqs)), 4.0));
            any.push(boosted(Box::new(TermQuery::new(term(f.body, w), IndexRecordOption::WithFreqs)), 1.0));
            any.push(boosted(Box::new(TermQuery::new(term(f.fold, fw), IndexRecordOption::WithFreqs)), 1.0));
            let n = w.chars().count();
            let distance = match n {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            };
            if distance > 0 {
                any.push(boosted(Box::new(FuzzyTermQuery::new(term(f.name, w), distance, true)), 0.8));
                any.push(boosted(Box::new(FuzzyTermQuery::new(term(f.fold, fw), distance, true)), 0.4));
            }
            if n >= 4 {
                any.push(boosted(Box::new(FuzzyTermQuery::new_prefix(term(f.fold, fw), 0, true)), 0.3));
            }
            per_word.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if per_word.is_empty() {
            return None;
        }
        Some(Box::new(BooleanQuery::new(per_word)))
    }

    fn facets(&self, matched: &[(usize, f32)], filters: &Filters) -> Facets {
        let subset = |skip: FacetKind| -> Vec<&MethodEntry> {
            matched.iter().map(|&(i, _)| &self.entries[i]).filter(|e| filters.keep(e, Some(skip))).collect()
        };
        fn count<T: Copy>(values: impl IntoIterator<Item = T>, hits: impl Fn(T) -> usize) -> Vec<(T, usize)> {
            values.into_iter().map(|v| (v, hits(v))).filter(|(_, n)| *n > 0).collect()
        }
        let age = subset(FacetKind::Age);
        let ladder = subset(FacetKind::Ladder);
        let evidence = subset(FacetKind::Evidence);
        let category = subset(FacetKind::Category);
        let theme = subset(FacetKind::Theme);
        Facets {
            age_groups: count(AGE_GROUPS, |(lo, hi)| age.iter().filter(|e| e.age_min <= hi && e.age_max >= lo).count()),
            ladder: count(LadderStep::ALL.iter().copied(), |l| ladder.iter().filter(|e| e.ladder_step == l).count()),
            evidence: count(Evidence::ALL.iter().copied(), |v| evidence.iter().filter(|e| e.evidence == v).count()),
            category: count(Category::ALL.iter().copied(), |c| category.iter().filter(|e| e.category == c).count()),
            themes: count(GoalTheme::ALL.iter().copied(), |t| theme.iter().filter(|e| e.themes.contains(&t)).count()),
        }
    }
}

/// The searchable text of an entry besides its name.
fn body_text(e: &MethodEntry) -> String {
    let mut parts: Vec<&str> = vec![&e.summary, &e.description];
    parts.extend(e.problems.iter().map(String::as_str));
    parts.extend(e.providers.iter().map(String::as_str));
    parts.extend(e.themes.iter().map(|t| t.label_da()));
    parts.extend(e.kinds.iter().map(|k| k.label_da()));
    parts.push(e.category.label_da());
    parts.join(" \n ")
}

/// The analysed words of a text (Danish chain).
pub fn tokens(text: &str) -> Vec<String> {
    let mut a = analyzer();
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank() -> Bank {
        Bank::build(seed_entries().expect("the seed file parses")).unwrap()
    }

    fn ids(r: &Results<'_>) -> Vec<String> {
        r.hits.iter().map(|h| h.entry.id.to_string()).collect()
    }

    #[test]
    fn danish_stemming_joins_singular_and_plural() {
        assert_eq!(tokens("plejefamilier"), tokens("plejefamilie"));
        assert_eq!(tokens("børnene"), tokens("børn"));
        assert_eq!(tokens("forældrene"), tokens("forældre"));
        // Danish stop words carry no meaning for the search.
        assert_eq!(tokens("børn i en plejefamilie"), tokens("børn plejefamilie"));
    }

    #[test]
    fn the_seed_has_at_least_thirty_real_methods_with_sources() {
        let b = bank();
        assert!(b.entries().len() >= 30, "{}", b.entries().len());
        for id in ["mst", "fft", "pmto", "de-utrolige-aar", "signs-of-safety", "ics", "sdq", "familieraadslagning"] {
            let e = b.get(id).unwrap_or_else(|| panic!("{id} missing from the seed"));
            assert!(e.references.iter().all(|r| r.url.starts_with("https://")), "{id}");
        }
        assert!(b.get("netvaerksmoeder").is_some() && b.get("fremskudt-sagsbehandling").is_some());
    }

    #[test]
    fn a_plural_finds_the_singular_and_the_name_ranks_first() {
        let b = bank();
        let r = b.search("plejefamilier", &Filters::default());
        let found = ids(&r);
        assert_eq!(found.first().map(String::as_str), Some("plejefamilie"), "{found:?}");
        assert!(found.contains(&"netvaerksplejefamilie".to_string()), "{found:?}");
        let r = b.search("MST", &Filters::default());
        assert_eq!(ids(&r)[0], "mst");
    }

    #[test]
    fn typos_are_forgiven_but_rank_below_exact_words() {
        let b = bank();
        let exact = ids(&b.search("familiebehandling", &Filters::default()));
        let typo = ids(&b.search("familiebehandlng", &Filters::default()));
        assert!(!typo.is_empty());
        assert_eq!(typo[0], exact[0]);
        let r = ids(&b.search("sikkerhedsplna", &Filters::default()));
        assert_eq!(r.first().map(String::as_str), Some("sikkerhedsplan"), "{r:?}");
        // Nonsense finds nothing.
        assert!(b.search("xqzv", &Filters::default()).hits.is_empty());
    }

    #[test]
    fn danish_letters_may_be_typed_without_them() {
        let b = bank();
        let with = ids(&b.search("netværksmøder", &Filters::default()));
        let without = ids(&b.search("netvaerksmoeder", &Filters::default()));
        assert_eq!(with.first(), without.first());
        assert_eq!(with[0], "netvaerksmoeder");
        let mut r = ids(&b.search("forældre", &Filters::default()));
        let mut folded = ids(&b.search("foraeldre", &Filters::default()));
        r.sort();
        folded.sort();
        assert_eq!(folded, r);
    }

    #[test]
    fn every_word_must_match_and_a_prefix_counts() {
        let b = bank();
        let set =
            |q: &str| ids(&b.search(q, &Filters::default())).into_iter().collect::<std::collections::BTreeSet<_>>();
        let (both, one, other) = (set("forældre skole"), set("forældre"), set("skole"));
        assert!(!both.is_empty() && both.len() < one.len() && both.len() < other.len(), "{both:?}");
        assert!(both.is_subset(&one) && both.is_subset(&other));
        assert!(ids(&b.search("pleje", &Filters::default())).contains(&"plejefamilie".to_string()));
    }

    #[test]
    fn facets_count_what_a_click_would_give() {
        let b = bank();
        let all = b.search("", &Filters::default());
        assert_eq!(all.hits.len(), b.entries().len());
        for &(v, n) in &all.facets.evidence {
            let f = Filters { evidence: Some(v), ..Default::default() };
            assert_eq!(b.search("", &f).hits.len(), n, "{v:?}");
        }
        for &(g, n) in &all.facets.age_groups {
            let f = Filters { age_group: Some(g), ..Default::default() };
            assert_eq!(b.search("", &f).hits.len(), n, "{g:?}");
        }
        // With the evidence filter on, the evidence facet still shows the other levels (to switch to them), and
        // the ladder facet counts only the filtered entries.
        let f = Filters { evidence: Some(Evidence::Rct), ..Default::default() };
        let r = b.search("", &f);
        assert_eq!(r.facets.evidence, all.facets.evidence);
        assert_eq!(r.facets.ladder.iter().map(|x| x.1).sum::<usize>(), r.hits.len());
        assert!(r.hits.iter().all(|h| h.entry.evidence == Evidence::Rct));
        let f =
            Filters { theme: Some(GoalTheme::School), category: Some(Category::Intervention), ..Default::default() };
        assert!(b.search("", &f).hits.iter().all(|h| h.entry.themes.contains(&GoalTheme::School)));
    }

    #[test]
    fn folding_writes_out_the_danish_letters() {
        assert_eq!(fold("Børn på Ærø"), "boern paa aeroe");
    }
}
