//! Short-lived memory of aggregate answers (dashboards): recomputed when the journal has grown or after a few
//! seconds, so a hundred leaders opening the dashboard at nine o'clock cost one computation, not a hundred.
//! A child's own data is always read fresh; the one list of children kept here (a consultant's worklist) is only
//! reused while the journal and the plans are unchanged (`get_current`), never served stale.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an answer is reused when the journal has not changed (statuses move from due to overdue with time).
pub const TTL: Duration = Duration::from_secs(30);

/// An answer with when and at which journal head it was computed.
type Entry<T> = (Instant, i64, Arc<T>);

/// Answers by key, each stamped with the journal head it was computed at.
pub struct Memo<T> {
    map: Mutex<HashMap<String, Entry<T>>>,
    /// How long an unchanged answer is reused ([`TTL`] unless made [`Memo::with_ttl`]).
    ttl: Duration,
    /// One computation at a time: concurrent misses wait for it instead of all computing the same answer.
    computing: tokio::sync::Mutex<()>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo::with_ttl(TTL)
    }
}

impl<T> Memo<T> {
    /// A memory whose unchanged answers live `ttl` (for answers whose key already holds what time changes).
    pub fn with_ttl(ttl: Duration) -> Self {
        Memo { map: Mutex::new(HashMap::new()), ttl, computing: tokio::sync::Mutex::new(()) }
    }

    /// The remembered answer for `key` if it was computed at journal head `head` less than [`TTL`] ago; else
    /// compute, remember and return it.
    pub async fn get_or<E, F>(&self, key: &str, head: i64, compute: F) -> Result<Arc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.fresh(key, head) {
            return Ok(v);
        }
        // While one request recomputes, the others get the previous answer at once (stale while revalidating);
        // only when there is none yet do they wait for the computation.
        let _one = match self.computing.try_lock() {
            Ok(guard) => guard,
            Err(_) => match self.any(key) {
                Some(v) => return Ok(v),
                None => self.computing.lock().await,
            },
        };
        if let Some(v) = self.fresh(key, head) {
            return Ok(v);
        }
        Ok(self.remember(key, head, compute.await?))
    }

    /// As [`Memo::get_or`], but never the previous answer: for data that must be current (a worklist of
    /// children), reused only while the journal head (and whatever else the key encodes) is unchanged and for at
    /// most [`TTL`] (statuses move with time).
    pub async fn get_current<E, F>(&self, key: &str, head: i64, compute: F) -> Result<Arc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.fresh(key, head) {
            return Ok(v);
        }
        // One computation at a time: when the answer expires under load, the others wait for it (and then share
        // it) instead of all computing it at once.
        let _one = self.computing.lock().await;
        if let Some(v) = self.fresh(key, head) {
            return Ok(v);
        }
        Ok(self.remember(key, head, compute.await?))
    }

    /// The remembered answer for `key`, if any, and whether it is fresh (computed at `head` less than [`TTL`] ago).
    pub fn peek(&self, key: &str, head: i64) -> Option<(Arc<T>, bool)> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).map(|(at, h, v)| (v.clone(), *h == head && at.elapsed() < self.ttl))
    }

    fn remember(&self, key: &str, head: i64, v: T) -> Arc<T> {
        let v = Arc::new(v);
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 1000 {
            map.clear();
        }
        map.insert(key.to_string(), (Instant::now(), head, v.clone()));
        v
    }

    fn fresh(&self, key: &str, head: i64) -> Option<Arc<T>> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).filter(|(at, h, _)| *h == head && at.elapsed() < self.ttl).map(|(_, _, v)| v.clone())
    }

    fn any(&self, key: &str) -> Option<Arc<T>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).get(key).map(|(_, _, v)| v.clone())
    }

    pub fn clear(&self) {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// The dashboards' memories.
pub struct Dashboards {
    pub compliance: Memo<Vec<store::caseload::MonthCounts>>,
    pub workload: Memo<Vec<store::caseload::Workload>>,
    pub teams: Memo<Vec<store::projection::Counts>>,
    /// Users' full names by username.
    pub names: Memo<std::collections::HashMap<String, String>>,
    /// Danger signals past their reaction deadline without a reaction.
    pub escalated: Memo<i64>,
    /// Consultants' worklists, by consultant and work version (plans, assignments), at a journal head.
    pub worklists: Memo<crate::sites::WorklistData>,
    /// The municipality's interventions, notifications and placements (effect, economy, early detection, placement
    /// quality, and the knowledge bank's effect figures), at a journal head.
    pub insight: Memo<crate::insight::Insight>,
    /// The effect page's tables per year and team, at the head the figures were computed at.
    pub effect: Memo<crate::economy::EffectTables>,
    /// The economy of a year per team and budget version, at the head the figures were computed at.
    pub economy: Memo<crate::economy::Economy>,
    /// The municipality's published indicator file per year and day, at a journal head (the indicator file, KL's
    /// questions).
    pub indicators: Memo<domain::stats::IndicatorFile>,
}

impl Default for Dashboards {
    fn default() -> Dashboards {
        Dashboards {
            compliance: Memo::default(),
            workload: Memo::default(),
            teams: Memo::default(),
            names: Memo::default(),
            escalated: Memo::default(),
            worklists: Memo::default(),
            // Seconds of work for a large municipality: kept while the journal is unchanged and the day the same
            // (the key holds the day), refreshed at most hourly.
            insight: Memo::with_ttl(Duration::from_secs(3600)),
            effect: Memo::default(),
            economy: Memo::default(),
            indicators: Memo::with_ttl(Duration::from_secs(3600)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reuses_until_the_journal_changes() {
        let m: Memo<u32> = Memo::default();
        let mut calls = 0;
        for head in [1, 1, 1, 2, 2] {
            let v = m
                .get_or::<(), _>("k", head, async {
                    calls += 1;
                    Ok(calls)
                })
                .await
                .unwrap();
            assert_eq!(*v, if head == 1 { 1 } else { 2 });
        }
        assert_eq!(calls, 2);
    }

    #[tokio::test]
    async fn peek_tells_whether_the_answer_is_still_fresh() {
        let m: Memo<u32> = Memo::default();
        assert!(m.peek("k", 1).is_none());
        m.get_or::<(), _>("k", 1, async { Ok(7) }).await.unwrap();
        assert_eq!(m.peek("k", 1).map(|(v, fresh)| (*v, fresh)), Some((7, true)));
        assert_eq!(m.peek("k", 2).map(|(v, fresh)| (*v, fresh)), Some((7, false)), "the journal grew: stale");
    }
}
