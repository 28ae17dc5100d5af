-- Content-free e-mail to staff. Nothing here holds report content: only which school had new reports
-- in which (whole) submission hour, and per staff member how far their notifications have got.

-- The language a staff member's mail is written in (the language of their last sign-in).
ALTER TABLE staff ADD COLUMN language TEXT NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en'));

-- A school had new reports in this submission hour. Written by the trigger below inside the report's
-- own transaction, so no stored report is missed and the submit code knows nothing about mail; the
-- notification job turns ended hours into notices and deletes the rows. DO NOTHING takes no row
-- lock, so concurrent submissions to one school do not queue behind each other here.
CREATE TABLE mail_news (
    school_id       UUID NOT NULL REFERENCES schools(id),
    submitted_hour  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (school_id, submitted_hour)
);

CREATE FUNCTION reports_make_mail_news() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mail_news (school_id, submitted_hour) VALUES (NEW.school_id, NEW.submitted_hour)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER reports_make_mail_news AFTER INSERT ON reports
    FOR EACH ROW EXECUTE FUNCTION reports_make_mail_news();

-- One row per staff member and school: `news` counts ended hours with reports, `told` is the news
-- the last mail covered (news > told: a mail is owed). `claim`/`claimed_until` let one instance send
-- it; `attempts`/`next_attempt_at` space out retries while the mail server is down.
CREATE TABLE mail_notices (
    staff_id        UUID NOT NULL REFERENCES staff(id),
    school_id       UUID NOT NULL REFERENCES schools(id),
    news            BIGINT NOT NULL DEFAULT 0,
    told            BIGINT NOT NULL DEFAULT 0,
    last_sent_at    TIMESTAMPTZ,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    claim           UUID,
    claimed_until   TIMESTAMPTZ,
    PRIMARY KEY (staff_id, school_id)
);
