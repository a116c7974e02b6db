"""Instance files (database, uploads, secret key) readable by the service's own user only."""

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path) -> Path:
    """Create `path` and its missing parents as 0700 folders; existing folders keep their mode
    (an operator may have chosen a group on purpose)."""
    path = Path(path)
    missing, parent = [], path
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # another process made it first
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is narrowed by the umask, never widened
    return path


def private_file(path, mode: str = "wb"):
    """Open a new file for writing, created 0600 whatever the umask (fails if it exists)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    return os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"}))


def private_sqlite_file(url: str):
    """Create the SQLite database file 0600 (in a 0700 folder) before SQLite creates it 0644;
    SQLite gives its -wal and -shm files the database file's mode."""
    path = url.split(":///", 1)[-1].split("?", 1)[0] if url.startswith("sqlite") else ""
    if not path or path == ":memory:" or os.path.exists(path):
        return
    private_folder(Path(path).parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
