"""hazm objects shared by the stages of one process.

Each costs about a second and tens of megabytes to build (a Lemmatizer conjugates every verb of hazm's
lexicon); keywords, search terms and normalization all read the same ones instead of building their own.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def lemmatizer() -> Any:
    """Return the process's hazm Lemmatizer (default lexicon, joined verb parts)."""
    from hazm import Lemmatizer

    return Lemmatizer()

