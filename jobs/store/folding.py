"""Text compared without accents or case: the search's fold, in Python and as SQL functions.

`fold("Müller")` is "muller": canonical decomposition (NFKD), combining marks dropped, lower
case. SQLite calls it as `parceldesk_fold(text)` (registered on every connection that
`open_database` opens); PostgreSQL has its own `parceldesk_fold`, made by a migration step on
the `unaccent` extension (search_index.ensure_search_index), which folds the same letters.
"""

import unicodedata
from functools import lru_cache

SQL_FUNCTION = "parceldesk_fold"


@lru_cache(maxsize=65536)  # names repeat: a walk through the grid meets the same ones often
def fold(text: str | None) -> str | None:
    """`text` without accents, in lower case (None stays None)."""
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
