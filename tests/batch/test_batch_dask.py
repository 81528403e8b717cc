"""--scheduler: the same scoring on a Dask cluster of two worker processes, same results."""

import json

import pytest

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    # Two worker processes, one thread each: the shape of a small real cluster.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        yield cluster


def inputs(fixtures_dir):
    names = ["ips", "xenforo2", "phpbb3", "smf", "nodebb", "stackexchange", "hackernews", "reddit_old"]
    return [fixtures_dir / f"{name}.html" for name in names] + [fixtures_dir / "thread.txt"]


def test_cluster_run_equals_local_run(score, cluster, fixtures_dir, tmp_path):
    local = score(*inputs(fixtures_dir), "-o", tmp_path / "local.json")
    remote = score(*inputs(fixtures_dir), "-o", tmp_path / "remote.json", "--scheduler", cluster.scheduler_address)
    assert (local.exit_code, remote.exit_code) == (0, 0), remote.output
    local_report = json.loads((tmp_path / "local.json").read_text())
    remote_report = json.loads((tmp_path / "remote.json").read_text())
    assert len(remote_report["threads"]) == 9
    assert remote_report == local_report


def test_each_worker_loads_the_scorer_once(score, cluster, fixtures_dir, tmp_path):
    score(*inputs(fixtures_dir), "-o", tmp_path / "remote.json", "--scheduler", cluster.scheduler_address)

    def loads():
        import batch_doubles

        return len(batch_doubles.LOADS)

    with distributed.Client(cluster.scheduler_address) as client:
        per_worker = client.run(loads)
    assert len(per_worker) == 2
    assert all(n <= 1 for n in per_worker.values()), per_worker
    assert sum(per_worker.values()) >= 1


def test_unreachable_scheduler_fails_clearly(score, fixtures_dir):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        result = score(fixtures_dir / "ips.html", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
