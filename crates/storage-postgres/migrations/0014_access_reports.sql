-- The access report (GDPR art. 15): the items leadership selected to be described in detail, per
-- access request. Ids only; a row goes with its request or its report.
CREATE TABLE access_report_items (
    school_id   UUID NOT NULL REFERENCES schools(id),
    request_id  UUID NOT NULL REFERENCES privacy_requests(id) ON DELETE CASCADE,
    report_id   UUID NOT NULL,
    selected_by UUID REFERENCES staff(id),
    selected_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (request_id, report_id),
    FOREIGN KEY (school_id, report_id) REFERENCES reports (school_id, id) ON DELETE CASCADE
);

CREATE INDEX access_report_items_by_report ON access_report_items (report_id);

-- "Who has had knowledge of this pupil's data": the access report reads the school's audit entries
-- by subject (the pupil, their reports, cases and logbook entries).
CREATE INDEX audit_log_by_subject ON audit_log (school_id, subject);
