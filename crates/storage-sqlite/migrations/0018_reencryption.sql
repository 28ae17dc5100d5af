-- Re-encryption (`signaal keys rotate --reencrypt`): while a school's data is sealed again with its
-- new data key, the old one is kept here (wrapped by the master key) so every value still opens.
-- Removed when the school is done; NULL otherwise.
ALTER TABLE school_keys ADD COLUMN previous_wrapped BLOB;
