"""Password hashing with argon2id and the password policy.

Parameters follow OWASP ASVS / the OWASP password storage cheat sheet: argon2id,
19 MiB memory, 2 iterations, 1 degree of parallelism.

The policy (NIST SP 800-63B): a minimum length, not on the list of common passwords, and hard
to guess according to zxcvbn, which is told the words an attacker would try first: the user's
address and name, the organisation, the site and its published demo password.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("no account has this password")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; without a hash (an unknown address) it checks a dummy
    hash anyway, so a login for an unknown address takes as long as one for a known one."""
    if password_hash is None:
        verify_password(_dummy_hash(), password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("circular_platform.data").joinpath("common-passwords.txt").read_text()
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def is_common(password: str) -> bool:
    return password.lower() in common_passwords()


# zxcvbn's scores run from 0 (guessed in under 10^3 tries) to 4 (over 10^10); 3 is "safely unguessable".
MINIMUM_STRENGTH = 3
# the last one is the demo password published in README.md (demo.loader.DEMO_PASSWORD)
SITE_WORDS = ("circulair", "noord", "circulair noord", "circulair-noord", "circulair-noord-demo")


def normalise(password: str) -> str:
    """NFKC, without invisible format characters (zero-width spaces, direction marks)."""
    text = unicodedata.normalize("NFKC", password)
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def is_weak(password: str, context: Iterable[str] = ()) -> bool:
    """Whether zxcvbn guesses ``password`` quickly, knowing the ``context`` words and the site's."""
    words = [*SITE_WORDS]
    for text in context:
        words += [text, *re.split(r"[\s@.,_-]+", text)]
    words = [word.lower() for word in words if len(word) >= 3]
    return zxcvbn(password[:100], user_inputs=words)["score"] < MINIMUM_STRENGTH
