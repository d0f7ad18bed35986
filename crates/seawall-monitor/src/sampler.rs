//! One sampling round for one container: processes (`GET /containers/ID/top`), listening sockets
//! (`/proc/PID/net/tcp*` of the container's main process), executables (`/proc/PID/exe`), and, when a
//! process runs an executable not seen before, the container's written paths (`GET /containers/ID/changes`).

use std::collections::BTreeSet;
use std::path::Path;

use bollard::Docker;
use bollard::query_parameters::TopOptionsBuilder;

use seawall_docker::DockerError;

use crate::drift::{Process, Sample};
use crate::error::MonitorError;
use crate::procnet::parse_proc_net_tcp;

/// Takes one sample. `known_exes` holds executables already checked against the written paths; when
/// `check_written` is set, new ones trigger a `changes` call (about a second on overlayfs, so it is not
/// done during the learning window, where every executable simply becomes known).
pub(crate) async fn sample(
    docker: &Docker,
    id: &str,
    main_pid: u32,
    known_exes: &mut BTreeSet<String>,
    check_written: bool,
) -> Result<Sample, MonitorError> {
    let mut out = Sample::default();
    let local = (main_pid > 0)
        .then(|| crate::procfs::cgroup_pids(Path::new("/proc"), Path::new("/sys/fs/cgroup"), main_pid))
        .flatten();
    match local {
        Some(pids) => {
            for pid in pids {
                if let Some(p) = crate::procfs::process(Path::new("/proc"), pid) {
                    out.processes.push(p);
                }
            }
        }
        None => top_processes(docker, id, &mut out).await?,
    }
    listeners_and_exes(docker, id, main_pid, known_exes, check_written, &mut out).await;
    Ok(out)
}

/// Processes through the Engine (`docker top`), for engines whose /proc is not ours.
async fn top_processes(docker: &Docker, id: &str, out: &mut Sample) -> Result<(), MonitorError> {
    let top = docker
        .top_processes(id, Some(TopOptionsBuilder::default().ps_args("-eo pid,uid,comm,args").build()))
        .await
        .map_err(|e| DockerError::Api { call: format!("top {id}"), message: e.to_string() })?;
    let titles = top.titles.unwrap_or_default();
    let col = |name: &str| titles.iter().position(|t| t.eq_ignore_ascii_case(name));
    let (pid_c, uid_c, comm_c, args_c) =
        (col("PID"), col("UID"), col("COMMAND"), col("COMMAND").map(|_| titles.len() - 1));
    for row in top.processes.unwrap_or_default() {
        let field = |c: Option<usize>| c.and_then(|i| row.get(i)).cloned().unwrap_or_default();
        let pid = field(pid_c).parse().unwrap_or(0);
        let uid = field(uid_c).parse().unwrap_or(u32::MAX);
        // `ps -o comm,args` gives two COMMAND titles: the first is comm, the last args.
        let comm = field(comm_c);
        let args = field(args_c);
        let exe = fs_err::read_link(format!("/proc/{pid}/exe"))
            .ok()
            .map(|p| p.to_string_lossy().trim_end_matches(" (deleted)").to_string());
        out.processes.push(Process { pid, uid, comm, args, exe });
    }
    Ok(())
}

async fn listeners_and_exes(
    docker: &Docker,
    id: &str,
    main_pid: u32,
    known_exes: &mut BTreeSet<String>,
    check_written: bool,
    out: &mut Sample,
) {
    if main_pid > 0 {
        for (stat, table) in [("sockstat", "tcp"), ("sockstat6", "tcp6")] {
            let in_use = fs_err::read_to_string(format!("/proc/{main_pid}/net/{stat}"))
                .ok()
                .and_then(|s| crate::procnet::tcp_in_use(&s));
            if in_use == Some(0) {
                continue;
            }
            if let Ok(text) = fs_err::read_to_string(format!("/proc/{main_pid}/net/{table}")) {
                out.listeners.extend(parse_proc_net_tcp(&text));
            }
        }
    }
    let new_exes: Vec<String> =
        out.processes.iter().filter_map(|p| p.exe.clone()).filter(|e| !known_exes.contains(e)).collect();
    if !check_written {
        known_exes.extend(new_exes);
    } else if !new_exes.is_empty() {
        if let Ok(Some(changes)) = docker.container_changes(id).await {
            for c in changes {
                out.written_paths.insert(c.path);
            }
        }
        known_exes.extend(new_exes.into_iter().filter(|e| !out.written_paths.contains(e)));
    }
}
