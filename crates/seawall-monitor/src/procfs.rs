//! Container processes straight from the kernel: the container's cgroup (`cgroup.procs`, found from the
//! main process's `/proc/PID/cgroup`) and each process's `/proc/PID/{comm,cmdline,status,exe}`. This is
//! what `seawall monitor` samples every second when it runs on the Docker host; it costs the Engine
//! nothing (`docker top` makes dockerd fork `ps` for every container on every round). Remote engines
//! fall back to `GET /containers/ID/top`.

use std::path::{Path, PathBuf};

use crate::drift::Process;

/// Candidate `cgroup.procs` files for a cgroup path, in the order they are tried: the unified (v2)
/// hierarchy at the root or under `unified/` (hybrid), then the v1 `pids`, `memory` and `cpu`
/// controllers.
fn candidates(root: &Path, cgroup_file: &str) -> Vec<PathBuf> {
    let mut unified = None;
    let mut v1 = Vec::new();
    for line in cgroup_file.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let rel = path.trim_start_matches('/');
        if controllers.is_empty() {
            unified = Some(rel.to_string());
        } else {
            for c in ["pids", "memory", "cpu,cpuacct", "cpu"] {
                if controllers.split(',').any(|x| x == c) || controllers == c {
                    v1.push(root.join(c).join(rel).join("cgroup.procs"));
                }
            }
        }
    }
    let mut out = Vec::new();
    if let Some(rel) = unified {
        out.push(root.join(&rel).join("cgroup.procs"));
        out.push(root.join("unified").join(&rel).join("cgroup.procs"));
    }
    out.extend(v1);
    out
}

/// The PIDs in the cgroup of `main_pid` (host PID namespace), or `None` when not readable here.
pub fn cgroup_pids(proc_root: &Path, cgroup_root: &Path, main_pid: u32) -> Option<Vec<u32>> {
    let text = fs_err::read_to_string(proc_root.join(main_pid.to_string()).join("cgroup")).ok()?;
    for c in candidates(cgroup_root, &text) {
        if let Ok(procs) = fs_err::read_to_string(&c) {
            let pids: Vec<u32> = procs.lines().filter_map(|l| l.trim().parse().ok()).collect();
            if !pids.is_empty() {
                return Some(pids);
            }
        }
    }
    None
}

/// One process from `/proc/PID`; `None` when it exited meanwhile.
pub fn process(proc_root: &Path, pid: u32) -> Option<Process> {
    let dir = proc_root.join(pid.to_string());
    let comm = fs_err::read_to_string(dir.join("comm")).ok()?.trim_end().to_string();
    let cmdline = fs_err::read(dir.join("cmdline")).unwrap_or_default();
    let args = cmdline
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let status = fs_err::read_to_string(dir.join("status")).unwrap_or_default();
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(u32::MAX);
    let exe = fs_err::read_link(dir.join("exe"))
        .ok()
        .map(|p| p.to_string_lossy().trim_end_matches(" (deleted)").to_string());
    // Kernel threads and zombies have an empty command line: show `[comm]` as ps does.
    let args = if args.is_empty() { format!("[{comm}]") } else { args };
    Some(Process { pid, uid, comm, args, exe })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_pids_in_v1_and_v2_layouts_and_reads_processes() {
        let d = tempfile::tempdir().unwrap();
        let proc_root = d.path().join("proc");
        let cg = d.path().join("cgroup");
        fs_err::create_dir_all(proc_root.join("42")).unwrap();
        fs_err::create_dir_all(proc_root.join("43")).unwrap();
        fs_err::write(proc_root.join("42/cgroup"), "4:pids:/docker/abc\n0::/docker/abc\n").unwrap();
        fs_err::create_dir_all(cg.join("unified/docker/abc")).unwrap();
        fs_err::write(cg.join("unified/docker/abc/cgroup.procs"), "42\n43\n").unwrap();
        assert_eq!(cgroup_pids(&proc_root, &cg, 42), Some(vec![42, 43]));

        fs_err::write(proc_root.join("43/comm"), "sh\n").unwrap();
        fs_err::write(proc_root.join("43/cmdline"), b"sh\0-c\0sleep 3\0").unwrap();
        fs_err::write(proc_root.join("43/status"), "Name:\tsh\nUid:\t1000\t1000\t1000\t1000\n").unwrap();
        let p = process(&proc_root, 43).unwrap();
        assert_eq!((p.comm.as_str(), p.args.as_str(), p.uid), ("sh", "sh -c sleep 3", 1000));

        // cgroup v1 only
        fs_err::write(proc_root.join("43/cgroup"), "4:pids:/docker/def\n").unwrap();
        fs_err::create_dir_all(cg.join("pids/docker/def")).unwrap();
        fs_err::write(cg.join("pids/docker/def/cgroup.procs"), "43\n").unwrap();
        assert_eq!(cgroup_pids(&proc_root, &cg, 43), Some(vec![43]));
        assert_eq!(cgroup_pids(&proc_root, &cg, 99), None);
        assert!(process(&proc_root, 99).is_none());
    }
}
