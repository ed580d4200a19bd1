"""Verify: candidate answers in, decisions out: abstention, agreement or conflict across sources,
and claim verdicts from asking the reader."""
