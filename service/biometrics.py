"""1:1 biometric template check (synthetic, but with the decision shape of a real matcher).

A template is a fixed-size byte vector. A re-scan of the same thumb is the enrolled vector
with small per-byte noise; another person's template is unrelated bytes. The matcher accepts
when the mean absolute byte difference is at most ``MATCH_THRESHOLD``: two unrelated uniform
vectors differ by ~85 per byte on average (standard deviation of the mean ~9 at 48 bytes), so
the false-accept chance is below 1e-11 while a re-scan with noise of up to ±8 per byte always
passes. ``loadtests.register`` generates templates and re-scans to this contract.
"""

from __future__ import annotations

import base64
import binascii

TEMPLATE_BYTES = 48
# Mean absolute difference per byte at or below which two templates are the same person.
MATCH_THRESHOLD = 20.0


class TemplateError(ValueError):
    """A template that is not valid base64 of TEMPLATE_BYTES bytes."""


def decode_template(text: str) -> bytes:
    """Decode a base64 template, checking its size; raise TemplateError with the fix."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TemplateError(f"template is not valid base64: {exc}") from None
    if len(raw) != TEMPLATE_BYTES:
        raise TemplateError(
            f"template must decode to {TEMPLATE_BYTES} bytes, got {len(raw)}"
        )
    return raw


def mean_abs_difference(a: bytes, b: bytes) -> float:
    """Mean absolute per-byte difference of two equal-size templates."""
    if len(a) != len(b):
        raise TemplateError(f"template sizes differ: {len(a)} vs {len(b)} bytes")
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def matches(scanned: bytes, enrolled: bytes) -> bool:
    """True when ``scanned`` is a re-scan of the person enrolled as ``enrolled``."""
    return mean_abs_difference(scanned, enrolled) <= MATCH_THRESHOLD
