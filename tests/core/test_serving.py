"""waitress's queue warnings under load come as one line a minute, not one a request."""

import logging

from app.core.serving import QueueDepthSummary


def test_a_burst_of_queue_warnings_is_one_line_with_the_deepest_queue(caplog):
    logger = logging.getLogger("test.waitress.queue")
    summary = QueueDepthSummary(every_seconds=3600)
    logger.addFilter(summary)
    try:
        with caplog.at_level(logging.WARNING, logger="test.waitress.queue"):
            for depth in (1, 2, 7, 3, 1) * 40:
                logger.warning("Task queue depth is %d", depth)
        assert [record.getMessage() for record in caplog.records] == [
            "Task queue depth reached 1 (the deepest since the last such line)"
        ]
        summary.last_shown = float("-inf")  # an hour later
        with caplog.at_level(logging.WARNING, logger="test.waitress.queue"):
            logger.warning("Task queue depth is %d", 2)
        assert caplog.records[-1].getMessage() == "Task queue depth reached 7 (the deepest since the last such line)"
    finally:
        logger.removeFilter(summary)
