"""Logging: rank 0 speaks, other ranks stay quiet unless asked; ``rank k:`` prefix in parallel."""

from __future__ import annotations

import logging
import sys

LOGGER_NAME = "zndeposit"


class _RankFilter(logging.Filter):
    def __init__(self, rank: int, size: int, all_ranks: bool):
        super().__init__()
        self.rank, self.size, self.all_ranks = rank, size, all_ranks

    def filter(self, record: logging.LogRecord) -> bool:
        record.rankprefix = f"rank {self.rank}: " if self.size > 1 else ""
        return self.all_ranks or self.rank == 0


def setup_logging(
    rank: int = 0, size: int = 1, *, verbose: bool = False, all_ranks: bool = False
) -> logging.Logger:
    """Configure the ``zndeposit`` logger for this MPI rank and return it."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RankFilter(rank, size, all_ranks))
    handler.setFormatter(logging.Formatter("%(rankprefix)s%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    return logger


def get_logger() -> logging.Logger:
    """The package logger (configure it once with :func:`setup_logging`)."""
    return logging.getLogger(LOGGER_NAME)
