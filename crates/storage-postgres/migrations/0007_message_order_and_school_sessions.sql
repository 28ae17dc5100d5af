-- Messages in a report's mailbox keep the order they were written in. Their stored times are cut to
-- the hour for the reporter's side, so time cannot order them; a position per report does.
ALTER TABLE report_messages ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE report_messages SET position = (
    SELECT COUNT(*) FROM report_messages earlier
    WHERE earlier.report_id = report_messages.report_id
      AND (earlier.sent_at < report_messages.sent_at
           OR (earlier.sent_at = report_messages.sent_at AND earlier.id <= report_messages.id)));
CREATE UNIQUE INDEX report_messages_in_order ON report_messages (report_id, position);

-- How long a signed-in staff member may be idle at this school before the session ends (SPEC §2.6:
-- 15 minutes unless the school chooses otherwise).
ALTER TABLE schools ADD COLUMN idle_minutes BIGINT NOT NULL DEFAULT 15 CHECK (idle_minutes BETWEEN 5 AND 60);
