//! Collections: named lists of papers a member keeps, public (anyone with the link sees
//! them) or private (their owner only: to anyone else a private collection does not exist).

use super::{known_paper, now, refuse, Error, Reason};
use crate::accounts::User;
use crate::papers::ArxivId;
use crate::store::{self, collections::Collection, Store};

/// Longest name, in characters.
pub const MAX_NAME: usize = 100;
/// Longest description, in characters.
pub const MAX_DESCRIPTION: usize = 2_000;

/// A collection's name and description, checked and trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    pub name: String,
    pub description: String,
    pub public: bool,
}

impl Fields {
    pub fn parse(name: &str, description: &str, public: bool) -> Result<Self, Error> {
        let (name, description) = (name.trim(), description.trim());
        if name.is_empty() || name.chars().count() > MAX_NAME {
            return refuse(Reason::Invalid, format!("A collection's name has 1 to {MAX_NAME} characters."));
        }
        if description.chars().count() > MAX_DESCRIPTION {
            return refuse(Reason::Invalid, format!("A description has at most {MAX_DESCRIPTION} characters."));
        }
        Ok(Self { name: name.to_string(), description: description.to_string(), public })
    }
}

fn no_such<T>() -> Result<T, Error> {
    refuse(Reason::NoSuchCollection, "There is no such collection of yours.")
}

/// A name as names compare: a member's collection names are unique ignoring case and spacing.
fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// What became of a new or changed collection.
enum Made {
    Done(Option<Collection>),
    /// The member already has a collection of that name.
    Taken,
}

/// Whether `name` is another of the member's collections' (than `own`, which keeps its own
/// name even if it repeated before names were unique).
fn name_taken(db: &mut dyn store::db::Db, uid: i64, name: &str, own: Option<i64>) -> store::Result<bool> {
    let key = name_key(name);
    let mine = store::collections::collections_of(db, uid, true)?;
    let renamed = mine.iter().find(|c| Some(c.id) == own).is_none_or(|c| name_key(&c.name) != key);
    Ok(renamed && mine.iter().any(|c| Some(c.id) != own && name_key(&c.name) == key))
}

fn taken<T>(name: &str) -> Result<T, Error> {
    refuse(Reason::Invalid, format!("You already have a collection named \"{name}\"; choose another name."))
}

/// Makes a collection for `owner`. Its name must be new among theirs; a form sent again with
/// the same `nonce` answers with the collection the first one made.
pub async fn create(store: &Store, owner: &User, fields: Fields, nonce: Option<&str>) -> Result<Collection, Error> {
    let (uid, name) = (owner.id, fields.name.clone());
    let nonce = nonce.filter(|n| !n.is_empty()).map(str::to_string);
    let made = store
        .transaction(move |db| {
            let at = now();
            if let Some(nonce) = &nonce {
                if let Some(first) = store::nonces::claim(db, uid, nonce, at)? {
                    let first = first.parse().ok().map(|id| store::collections::collection(db, id)).transpose()?;
                    if let Some(c) = first.flatten().filter(|c| c.owner_id == uid) {
                        return Ok(Made::Done(Some(c)));
                    }
                }
            }
            if name_taken(db, uid, &fields.name, None)? {
                return Ok(Made::Taken);
            }
            let id =
                store::collections::create_collection(db, uid, &fields.name, &fields.description, fields.public, at)?;
            if let Some(nonce) = &nonce {
                store::nonces::settle(db, uid, nonce, &id.to_string())?;
            }
            Ok(Made::Done(store::collections::collection(db, id)?))
        })
        .await?;
    match made {
        Made::Done(c) => c.map_or_else(no_such, Ok),
        Made::Taken => taken(&name),
    }
}

/// Changes one of `owner`'s collections (its new name must not be another's of theirs).
pub async fn update(store: &Store, owner: &User, id: i64, fields: Fields) -> Result<(), Error> {
    let (uid, name) = (owner.id, fields.name.clone());
    let done = store
        .transaction(move |db| {
            if name_taken(db, uid, &fields.name, Some(id))? {
                return Ok(None);
            }
            let (name, description) = (&fields.name, &fields.description);
            store::collections::update_collection(db, id, uid, name, description, fields.public, now()).map(Some)
        })
        .await?;
    match done {
        Some(true) => Ok(()),
        Some(false) => no_such(),
        None => taken(&name),
    }
}

/// Deletes one of `owner`'s collections.
pub async fn delete(store: &Store, owner: &User, id: i64) -> Result<(), Error> {
    let uid = owner.id;
    if store.transaction(move |db| store::collections::delete_collection(db, id, uid)).await? {
        Ok(())
    } else {
        no_such()
    }
}

/// Puts paper `paper` in (or takes it out of) one of `owner`'s collections; idempotent. A paper
/// goes in only if paperboy holds it; any id may be taken out.
pub async fn set_paper(
    store: &Store,
    owner: &User,
    id: i64,
    paper: &ArxivId,
    present: bool,
) -> Result<Collection, Error> {
    if present {
        known_paper(store, paper).await?;
    }
    let (uid, pid) = (owner.id, paper.as_str().to_string());
    let done = store
        .transaction(move |db| {
            if !store::collections::set_in_collection(db, id, uid, &pid, present, now())? {
                return Ok(None);
            }
            store::collections::collection(db, id)
        })
        .await?;
    done.map_or_else(no_such, Ok)
}

/// Collection `id` with its papers' ids (most recently added first), if `viewer` may see it.
pub async fn visible(store: &Store, viewer: Option<&User>, id: i64) -> Result<(Collection, Vec<String>), Error> {
    let found = store
        .read(move |db| {
            let Some(c) = store::collections::collection(db, id)? else { return Ok(None) };
            Ok(Some((c, store::collections::collection_papers(db, id)?)))
        })
        .await?;
    match found {
        Some((c, ids)) if c.public || viewer.is_some_and(|u| u.id == c.owner_id) => Ok((c, ids)),
        // The same answer as for a collection that does not exist: private means private.
        _ => refuse(Reason::NoSuchCollection, "There is no such collection."),
    }
}

/// A member's collections: the public ones, and the private ones too when `own`.
pub async fn of(store: &Store, owner_id: i64, own: bool) -> Result<Vec<Collection>, Error> {
    Ok(store.read(move |db| store::collections::collections_of(db, owner_id, own)).await?)
}
