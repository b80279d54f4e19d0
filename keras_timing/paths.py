"""Free names for what the package creates: launch folders, profiler session
folders, event files.

Several timers, processes or workers may write under one log folder at
once, so a name is taken by creating it exclusively (`os.mkdir`, or a file
opened with "x"): whoever creates it first has it, and the others go on to
the next name. Nothing is ever overwritten.

Example:

>>> import tempfile
>>> root = tempfile.mkdtemp()
>>> [os.path.basename(new_folder(root, "run", "-")) for _ in range(3)]
['run', 'run-1', 'run-2']
"""

import itertools
import os
from typing import Callable
from typing import Iterable
from typing import Tuple
from typing import TypeVar

T = TypeVar("T")

# Names tried after the first before giving up: a folder holding a thousand
# launches of one name is a mistake, not a reason to loop on.
TRIES = 1000


def numbered(base: str, sep: str = "_",
             tries: int = TRIES) -> Iterable[str]:
    """`base`, then `base<sep>1`, `base<sep>2`, ... (`tries` names in all).

    >>> list(numbered("2026_12_04", "_", 3))
    ['2026_12_04', '2026_12_04_1', '2026_12_04_2']
    """
    yield base
    for i in itertools.islice(itertools.count(1), tries - 1):
        yield "%s%s%d" % (base, sep, i)


def first_free(paths: Iterable[str],
               create: Callable[[str], T]) -> Tuple[str, T]:
    """`(path, create(path))` for the first of `paths` that `create` makes
    anew; a path it finds taken (`FileExistsError`) is passed over.

    Args:
        paths: The names to try, in order.
        create: Makes one exclusively, raising FileExistsError where it is
            taken: `os.mkdir`, or `lambda p: open(p, "xb")`.

    Raises:
        FileExistsError: every path was taken.
    """
    tried = 0
    for path in paths:
        tried += 1
        try:
            return path, create(path)
        except FileExistsError:
            continue
    raise FileExistsError("all %d names tried were taken" % tried)


def new_folder(parent: str, base: str, sep: str = "_",
               what: str = "folder") -> str:
    """Creates `parent/base` or, where that is taken, the first free
    `parent/base<sep>N`; returns its path.

    Args:
        parent: Made first if missing.
        base: The name wanted.
        sep: Between `base` and the number of a name already taken.
        what: How the error calls the folder ("launch folder").

    Raises:
        FileExistsError: naming `what` and `parent`, when `TRIES` names
            were all taken.
    """
    os.makedirs(parent, exist_ok=True)
    try:
        return first_free((os.path.join(parent, name)
                           for name in numbered(base, sep)), os.mkdir)[0]
    except FileExistsError:
        raise FileExistsError("no free %s under %r" % (what, parent)) from None
