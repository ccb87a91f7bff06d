/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many have run.
 * Never edit a migration that has shipped: append a new one.
 */
export const migrations: readonly string[] = [
  // 1: the audit log, a hash chain (see electron/core/audit).
  `CREATE TABLE audit_events (
     seq      INTEGER PRIMARY KEY,
     at       TEXT NOT NULL,
     actor    TEXT NOT NULL,
     action   TEXT NOT NULL,
     subject  TEXT NOT NULL,
     details  TEXT NOT NULL,
     hash     TEXT NOT NULL
   );
   CREATE INDEX audit_events_at ON audit_events(at);
   CREATE INDEX audit_events_action ON audit_events(action);`,
  // 2: per-registry settings; passwords live in the keychain (account registry:<host>), never here.
  `CREATE TABLE registries (
     host          TEXT PRIMARY KEY,
     insecure_http INTEGER NOT NULL DEFAULT 0,
     ca_file       TEXT,
     username      TEXT,
     created_at    TEXT NOT NULL,
     updated_at    TEXT NOT NULL
   );`,
  // 3: where blobs were last seen, so a copy can mount a blob from another repository of the
  //    same registry instead of uploading it again (no secrets, just names and digests).
  `CREATE TABLE blob_locations (
     host       TEXT NOT NULL,
     digest     TEXT NOT NULL,
     repository TEXT NOT NULL,
     seen_at    TEXT NOT NULL,
     PRIMARY KEY (host, digest, repository)
   );`,
  // 4: signing keys; the private key lives in the keychain (account key:<id>), never here.
  `CREATE TABLE keys (
     id                TEXT PRIMARY KEY,
     name              TEXT NOT NULL,
     algorithm         TEXT NOT NULL,
     fingerprint       TEXT NOT NULL UNIQUE,
     public_key        TEXT NOT NULL,
     origin            TEXT NOT NULL,
     state             TEXT NOT NULL DEFAULT 'active',
     created_at        TEXT NOT NULL,
     revoked_at        TEXT,
     revocation_reason TEXT,
     last_used_at      TEXT
   );`,
  // 5: layers compressed for a push (diff_id and settings -> compressed digest and size), so a
  //    later push of the same layer knows its compressed digest without compressing it again.
  `CREATE TABLE compressed_layers (
     diff_id   TEXT NOT NULL,
     algorithm TEXT NOT NULL,
     digest    TEXT NOT NULL,
     size      INTEGER NOT NULL,
     seen_at   TEXT NOT NULL,
     PRIMARY KEY (diff_id, algorithm)
   );`,
  // 6: what a scan read from an image's layers (packages, OS, baseline, secrets, malware), by what
  //    pins those layers, so re-scanning an unchanged image reads none of them. Vulnerabilities
  //    are not kept: they are matched again against the current database on every scan.
  `CREATE TABLE scan_cache (
     key        TEXT PRIMARY KEY,
     scanner    INTEGER NOT NULL,
     inventory  TEXT NOT NULL,
     created_at TEXT NOT NULL,
     used_at    TEXT NOT NULL
   );
   CREATE INDEX scan_cache_used_at ON scan_cache(used_at);`,
  // 7: customer accounts and what they are entitled to; a password lives in the keychain
  //    (account customer:<id>), never here: has_password only says whether one is stored.
  `CREATE TABLE customers (
     id            TEXT PRIMARY KEY,
     name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
     registry      TEXT NOT NULL,
     namespace     TEXT NOT NULL,
     auth          TEXT NOT NULL,
     username      TEXT,
     has_password  INTEGER NOT NULL DEFAULT 0,
     ca_file       TEXT,
     insecure_http INTEGER NOT NULL DEFAULT 0,
     contacts      TEXT NOT NULL DEFAULT '[]',
     notes         TEXT,
     created_at    TEXT NOT NULL,
     updated_at    TEXT NOT NULL
   );
   CREATE TABLE customer_entitlements (
     customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
     product     TEXT NOT NULL,
     PRIMARY KEY (customer_id, product)
   );`,
  // 8: signed checkpoints of the audit chain, and the workspace audit keys that signed them (the
  //    private key lives in the keychain, account audit-key:<fingerprint>); indexes for the
  //    audit filters on the details members events name a customer, release and key by.
  `CREATE TABLE audit_keys (
     fingerprint TEXT PRIMARY KEY,
     public_key  TEXT NOT NULL,
     created_at  TEXT NOT NULL
   );
   CREATE TABLE audit_checkpoints (
     seq             INTEGER PRIMARY KEY,
     hash            TEXT NOT NULL,
     at              TEXT NOT NULL,
     key_fingerprint TEXT NOT NULL REFERENCES audit_keys(fingerprint),
     envelope        TEXT NOT NULL
   );
   CREATE INDEX audit_events_customer ON audit_events(json_extract(details, '$.customer') COLLATE NOCASE)
     WHERE json_extract(details, '$.customer') IS NOT NULL;
   CREATE INDEX audit_events_release ON audit_events(json_extract(details, '$.release'))
     WHERE json_extract(details, '$.release') IS NOT NULL;
   CREATE INDEX audit_events_fingerprint ON audit_events(json_extract(details, '$.fingerprint'))
     WHERE json_extract(details, '$.fingerprint') IS NOT NULL;
   CREATE INDEX audit_events_key_id ON audit_events(json_extract(details, '$.keyId'))
     WHERE json_extract(details, '$.keyId') IS NOT NULL;`,
  // 9: deliveries as persisted state machines: the delivery, its release images (with the scan
  //    verdict they were judged by), its customers, one target row per customer and image (the
  //    step it reached), and the scan inventory kept with each image for `trace`.
  `CREATE TABLE deliveries (
     id              TEXT PRIMARY KEY,
     product         TEXT NOT NULL,
     version         TEXT NOT NULL,
     origin          TEXT NOT NULL,
     status          TEXT NOT NULL,
     key_id          TEXT,
     key_fingerprint TEXT NOT NULL,
     public_key      TEXT NOT NULL,
     policy_name     TEXT,
     policy          TEXT NOT NULL,
     gate            TEXT,
     bundle_dir      TEXT,
     error           TEXT,
     owner_pid       INTEGER,
     created_at      TEXT NOT NULL,
     updated_at      TEXT NOT NULL,
     finished_at     TEXT
   );
   CREATE INDEX deliveries_created ON deliveries(created_at);
   CREATE TABLE delivery_images (
     delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
     position    INTEGER NOT NULL,
     source      TEXT NOT NULL,
     name        TEXT NOT NULL,
     tag         TEXT NOT NULL,
     digest      TEXT,
     scan        TEXT,
     verdict     TEXT,
     reasons     TEXT NOT NULL DEFAULT '[]',
     warnings    TEXT NOT NULL DEFAULT '[]',
     PRIMARY KEY (delivery_id, position)
   );
   CREATE TABLE delivery_customers (
     delivery_id   TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
     customer_id   TEXT NOT NULL,
     customer_name TEXT NOT NULL,
     position      INTEGER NOT NULL,
     status        TEXT NOT NULL,
     error         TEXT,
     PRIMARY KEY (delivery_id, customer_id)
   );
   CREATE TABLE delivery_targets (
     delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
     customer_id TEXT NOT NULL,
     position    INTEGER NOT NULL,
     ref         TEXT NOT NULL,
     digest      TEXT,
     status      TEXT NOT NULL,
     signed      INTEGER NOT NULL DEFAULT 0,
     verified    INTEGER NOT NULL DEFAULT 0,
     record      TEXT,
     record_statement TEXT,
     record_bundle TEXT,
     error       TEXT,
     updated_at  TEXT NOT NULL,
     PRIMARY KEY (delivery_id, customer_id, position)
   );
   CREATE INDEX delivery_targets_digest ON delivery_targets(digest);
   CREATE TABLE delivery_packages (
     delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
     position    INTEGER NOT NULL,
     purl        TEXT NOT NULL,
     PRIMARY KEY (delivery_id, position, purl)
   );
   CREATE INDEX delivery_packages_purl ON delivery_packages(purl);
   CREATE TABLE delivery_vulnerabilities (
     delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
     position    INTEGER NOT NULL,
     vuln_id     TEXT NOT NULL COLLATE NOCASE,
     purl        TEXT NOT NULL,
     PRIMARY KEY (delivery_id, position, vuln_id, purl)
   );
   CREATE INDEX delivery_vulnerabilities_id ON delivery_vulnerabilities(vuln_id);`,
];
