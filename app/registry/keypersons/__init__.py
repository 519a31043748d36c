"""Key and special persons (重点人员/特殊人群) and their follow-ups (帮教/帮扶/管控)."""
