"""Workers yield the CPU to the web server (issue 14, load benchmark)."""

import pytest

from webapp import cli


class Stop(Exception):
    pass


@pytest.mark.parametrize(("argv", "expected"), [(["worker"], 10), (["worker", "--nice", "3"], 3)])
def test_a_worker_lowers_its_cpu_priority_before_it_takes_jobs(monkeypatch, argv, expected):
    niced = []
    monkeypatch.setattr(cli, "setup", lambda: {"WORKER_NICE": 10})
    monkeypatch.setattr(cli.os, "nice", niced.append)
    monkeypatch.setattr("jobs.runtime.preload", lambda: (_ for _ in ()).throw(Stop()))
    with pytest.raises(Stop):
        cli.main(argv)
    assert niced == [expected]
