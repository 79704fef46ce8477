"""config/database.py's care of the embedded server's files."""

from __future__ import annotations

import threading

from config import database


def test_an_attached_list_left_empty_by_a_killed_process_starts_again_empty(tmp_path, monkeypatch):
    """Else every later start would fail reading it (seen after a killed dev server)."""
    monkeypatch.setattr(database, "PGDATA", tmp_path)
    attached = tmp_path / ".handle_pids.json"
    attached.write_text("")
    database._repair_attached_list(threading.Lock())
    assert attached.read_text() == "[]"


def test_a_readable_attached_list_is_left_as_it_is(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "PGDATA", tmp_path)
    attached = tmp_path / ".handle_pids.json"
    attached.write_text("[12, 34]")
    database._repair_attached_list(threading.Lock())
    assert attached.read_text() == "[12, 34]"
    (tmp_path / "missing").mkdir()
    monkeypatch.setattr(database, "PGDATA", tmp_path / "missing")
    database._repair_attached_list(threading.Lock())
    assert not (tmp_path / "missing" / ".handle_pids.json").exists()
