-- Key rotation: the root the server secrets derive from (receipt hashes, recovery codes, the staff
-- TOTP key), sealed by the current master key. NULL until the first rotation: the master key is
-- then the root itself.
ALTER TABLE installation ADD COLUMN secret_root BLOB;
