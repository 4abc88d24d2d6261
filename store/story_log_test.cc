// Tests for the log format helpers (story_log.h).
