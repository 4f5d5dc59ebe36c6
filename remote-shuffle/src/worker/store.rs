//! A worker's data: one append-only data file per (shuffle, reduce partition, epoch, copy)
//! with a chunk index of `(map, attempt, batch, offset, length)` entries, kept in memory and
//! written next to the data file (`.index`, 24 bytes per entry) whenever the file is flushed.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;
use weft_core::{Result, WeftError};

use crate::disk;

/// Subdirectory of each data dir that holds this service's files.
pub const SUBDIR: &str = "weft-shuffle";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileKey {
    pub shuffle: String,
    pub partition: u32,
    pub epoch: u32,
    pub replica: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    pub map: u32,
    pub attempt: u32,
    pub batch: u32,
    pub offset: u64,
    pub len: u32,
}

impl IndexEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        for v in [self.map, self.attempt, self.batch] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.offset.to_le_bytes());
        out.extend_from_slice(&self.len.to_le_bytes());
    }
}

struct PartitionFile {
    data: BufWriter<File>,
    path: PathBuf,
    len: u64,
    index: Vec<IndexEntry>,
    /// Index entries already in the `.index` file.
    indexed: usize,
}

impl PartitionFile {
    fn flush(&mut self) -> std::io::Result<()> {
        self.data.flush()?;
        if self.indexed < self.index.len() {
            let mut buf = Vec::with_capacity((self.index.len() - self.indexed) * 24);
            for e in &self.index[self.indexed..] {
                e.encode(&mut buf);
            }
            let mut f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.path.with_extension("index"))?;
            f.write_all(&buf)?;
            self.indexed = self.index.len();
        }
        Ok(())
    }
}

pub struct Store {
    dirs: Vec<PathBuf>,
    reserve: u64,
    files: Mutex<HashMap<FileKey, Arc<Mutex<PartitionFile>>>>,
}

impl Store {
    /// Open the data dirs, deleting whatever an earlier worker process left there: its
    /// partitions were declared lost and moved by the coordinator (orphans).
    pub fn open(dirs: &[PathBuf], reserve: u64) -> Result<(Store, u64)> {
        let mut removed = 0;
        let mut roots = Vec::new();
        for d in dirs {
            let root = d.join(SUBDIR);
            if root.exists() {
                for e in std::fs::read_dir(&root)?.flatten() {
                    removed += 1;
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
            std::fs::create_dir_all(&root).map_err(|e| WeftError::Io {
                message: format!("cannot create shuffle data dir {}: {e}", root.display()),
            })?;
            roots.push(root);
        }
        Ok((
            Store {
                dirs: roots,
                reserve,
                files: Mutex::new(HashMap::new()),
            },
            removed,
        ))
    }

    fn dir_for(&self, key: &FileKey) -> &Path {
        // Spread a shuffle's partitions over the disks.
        let h = crc32fast::hash(key.shuffle.as_bytes()) as usize + key.partition as usize;
        &self.dirs[h % self.dirs.len()]
    }

    fn file(&self, key: &FileKey) -> Result<Arc<Mutex<PartitionFile>>> {
        let mut files = self.files.lock();
        if let Some(f) = files.get(key) {
            return Ok(f.clone());
        }
        let dir = self.dir_for(key).join(&key.shuffle);
        let (free, _) = disk::space(self.dir_for(key));
        if free < self.reserve {
            return Err(WeftError::Io {
                message: format!(
                    "shuffle disk {} is nearly full ({} MiB free, shuffle.remote.disk-reserve is {} MiB); refusing new partitions",
                    self.dir_for(key).display(),
                    free >> 20,
                    self.reserve >> 20
                ),
            });
        }
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!(
            "{}-{}-{}.data",
            key.partition,
            key.epoch,
            if key.replica { "r" } else { "p" }
        ));
        let file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)?;
        let f = Arc::new(Mutex::new(PartitionFile {
            data: BufWriter::with_capacity(1 << 20, file),
            path,
            len: 0,
            index: Vec::new(),
            indexed: 0,
        }));
        files.insert(key.clone(), f.clone());
        Ok(f)
    }

    /// Append one frame. Blocking I/O.
    pub fn append(
        &self,
        key: &FileKey,
        map: u32,
        attempt: u32,
        batch: u32,
        frame: &[u8],
    ) -> Result<()> {
        let f = self.file(key)?;
        let mut f = f.lock();
        f.data.write_all(frame)?;
        let offset = f.len;
        f.len += frame.len() as u64;
        f.index.push(IndexEntry {
            map,
            attempt,
            batch,
            offset,
            len: frame.len() as u32,
        });
        Ok(())
    }

    /// Make appended data readable (and its index durable in the `.index` file).
    pub fn flush(&self, keys: &HashSet<FileKey>) -> Result<()> {
        for k in keys {
            let f = self.files.lock().get(k).cloned();
            if let Some(f) = f {
                f.lock().flush()?;
            }
        }
        Ok(())
    }

    /// The data file and the entries of the requested map attempts, in append order, each
    /// `(map, attempt, batch)` once (a re-pushed batch is a duplicate).
    pub fn entries(
        &self,
        key: &FileKey,
        maps: &HashSet<(u32, u32)>,
    ) -> Result<(PathBuf, Vec<IndexEntry>)> {
        let f =
            self.files
                .lock()
                .get(key)
                .cloned()
                .ok_or_else(|| WeftError::PartitionNotFound {
                    partition: key.shuffle.clone(),
                    message: format!(
                        "this worker has no {} of reduce partition {} epoch {} of shuffle {}",
                        if key.replica {
                            "replica"
                        } else {
                            "primary copy"
                        },
                        key.partition,
                        key.epoch,
                        key.shuffle
                    ),
                })?;
        let f = f.lock();
        let mut seen = HashSet::new();
        let entries = f
            .index
            .iter()
            .filter(|e| {
                maps.contains(&(e.map, e.attempt)) && seen.insert((e.map, e.attempt, e.batch))
            })
            .copied()
            .collect();
        Ok((f.path.clone(), entries))
    }

    pub fn read_at(path: &Path, file: &mut Option<File>, e: &IndexEntry) -> Result<Vec<u8>> {
        if file.is_none() {
            *file = Some(File::open(path)?);
        }
        let mut buf = vec![0u8; e.len as usize];
        file.as_ref().unwrap().read_exact_at(&mut buf, e.offset)?;
        Ok(buf)
    }

    /// Delete a shuffle's files from every data dir.
    pub fn drop_shuffle(&self, shuffle: &str) -> usize {
        let n = {
            let mut files = self.files.lock();
            let before = files.len();
            files.retain(|k, _| k.shuffle != shuffle);
            before - files.len()
        };
        for d in &self.dirs {
            let _ = std::fs::remove_dir_all(d.join(shuffle));
        }
        n
    }

    pub fn active_partitions(&self) -> usize {
        self.files.lock().len()
    }

    pub fn bytes_stored(&self) -> u64 {
        self.files.lock().values().map(|f| f.lock().len).sum()
    }

    /// Free and total bytes of the fullest data dir.
    pub fn disk_space(&self) -> (u64, u64) {
        self.dirs
            .iter()
            .map(|d| disk::space(d))
            .min_by_key(|(free, _)| *free)
            .unwrap_or((0, 0))
    }

    pub fn file_count(&self) -> usize {
        self.files.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_flush_read_and_dedupe() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(SUBDIR).join("old")).unwrap();
        let (store, removed) = Store::open(&[dir.path().to_path_buf()], 0).unwrap();
        assert_eq!(removed, 1, "orphans of an earlier process are removed");
        let key = FileKey {
            shuffle: "j-v0".into(),
            partition: 3,
            epoch: 0,
            replica: false,
        };
        store.append(&key, 0, 0, 0, b"aaaa").unwrap();
        store.append(&key, 1, 0, 0, b"bb").unwrap();
        store.append(&key, 0, 1, 0, b"stale attempt").unwrap();
        store.append(&key, 0, 0, 0, b"aaaa").unwrap(); // re-pushed
        store.append(&key, 0, 0, 1, b"cc").unwrap();
        store.flush(&[key.clone()].into_iter().collect()).unwrap();
        let maps = [(0, 0), (1, 0)].into_iter().collect();
        let (path, entries) = store.entries(&key, &maps).unwrap();
        let mut file = None;
        let got: Vec<Vec<u8>> = entries
            .iter()
            .map(|e| Store::read_at(&path, &mut file, e).unwrap())
            .collect();
        assert_eq!(got, vec![b"aaaa".to_vec(), b"bb".to_vec(), b"cc".to_vec()]);
        let index = std::fs::read(path.with_extension("index")).unwrap();
        assert_eq!(index.len(), 5 * 24);
        assert_eq!(store.drop_shuffle("j-v0"), 1);
        assert!(!path.exists());
    }

    #[test]
    fn refuses_new_partitions_on_a_full_disk() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(&[dir.path().to_path_buf()], u64::MAX).unwrap();
        let key = FileKey {
            shuffle: "j-v0".into(),
            partition: 0,
            epoch: 0,
            replica: false,
        };
        let e = store.append(&key, 0, 0, 0, b"x").unwrap_err();
        assert!(e.to_string().contains("nearly full"), "{e}");
    }
}
