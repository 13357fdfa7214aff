-- A data home written by trendscope 0.1.0 at commit 8fb0747, before accounts existed: three papers, two reading lists
-- (items, notes, statuses, a "not interested" mark), thumbs, a passage note, two subscriptions (one address
-- confirmed, one pending) and an issued week. tests/test_accounts_migration.py opens it with today's code.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE IF NOT EXISTS "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO _sqlite_migrations VALUES(1,'trendscope.ingest','m001_papers','2026-12-02 08:55:36.203259+00:00');
INSERT INTO _sqlite_migrations VALUES(2,'trendscope.ingest','m002_ingest_runs','2026-12-02 08:55:36.204084+00:00');
INSERT INTO _sqlite_migrations VALUES(3,'trendscope.ingest','m003_ingest_runs_coverage','2026-12-02 08:55:36.205502+00:00');
INSERT INTO _sqlite_migrations VALUES(4,'trendscope.ingest','m004_ingest_runs_fingerprint','2026-12-02 08:55:36.206406+00:00');
INSERT INTO _sqlite_migrations VALUES(5,'trendscope.ingest','m005_fulltext','2026-12-02 08:55:36.207890+00:00');
INSERT INTO _sqlite_migrations VALUES(6,'trendscope.reading','m001_reading_lists','2026-12-02 08:55:38.144926+00:00');
INSERT INTO _sqlite_migrations VALUES(7,'trendscope.reading','m002_passage_notes','2026-12-02 08:55:38.146849+00:00');
INSERT INTO _sqlite_migrations VALUES(8,'trendscope.reading','m003_paper_feedback','2026-12-02 08:55:38.147450+00:00');
INSERT INTO _sqlite_migrations VALUES(9,'trendscope.digest','m001_digest','2026-12-02 08:55:38.264372+00:00');
INSERT INTO _sqlite_migrations VALUES(10,'trendscope.digest','m002_recipients_tokens_test_mails','2026-12-02 08:55:38.266605+00:00');
CREATE TABLE papers (
            pk INTEGER PRIMARY KEY,           -- stable rowid: FAISS ids and tags refer to it
            id TEXT NOT NULL UNIQUE,          -- arXiv id without version
            version INTEGER,
            title TEXT NOT NULL,
            abstract TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]',     -- JSON list
            categories TEXT NOT NULL DEFAULT '[]',  -- JSON list, primary first
            primary_category TEXT,
            published TEXT,                   -- ISO date of v1
            updated TEXT,
            doi TEXT,
            journal_ref TEXT,
            comment TEXT,
            links TEXT NOT NULL DEFAULT '[]',       -- JSON list
            content_hash TEXT NOT NULL,
            ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );
INSERT INTO papers VALUES(1,'2409.01001',1,'Sparse adapters for continual learning','We study adapters that keep old tasks while learning new ones.','["Ana Lima", "Bo Chen"]','["cs.LG"]','cs.LG','2024-09-02','2024-09-02',NULL,NULL,NULL,'[]','17c0a60e8d4fbc09','2026-12-02T08:55:36Z');
INSERT INTO papers VALUES(2,'2409.01002',2,'Private federated fine-tuning of language models','Differential privacy for federated fine-tuning at scale.','["Cy Diaz"]','["cs.CL", "cs.CR"]','cs.CL','2024-09-03','2024-09-10',NULL,NULL,NULL,'[]','136fa385548c6a43','2026-12-02T08:55:36Z');
INSERT INTO papers VALUES(3,'2409.01003',1,'A survey of vision-language pretraining','We survey multimodal pretraining of vision and language models.','["Di Evans"]','["cs.CV"]','cs.CV','2024-09-04','2024-09-04',NULL,NULL,NULL,'[]','5da37e74ce3fb69b','2026-12-02T08:55:36Z');
CREATE TABLE paper_categories (pk INTEGER NOT NULL REFERENCES papers(pk), category TEXT NOT NULL, PRIMARY KEY (category, pk)) WITHOUT ROWID;
INSERT INTO paper_categories VALUES(1,'cs.LG');
INSERT INTO paper_categories VALUES(2,'cs.CL');
INSERT INTO paper_categories VALUES(2,'cs.CR');
INSERT INTO paper_categories VALUES(3,'cs.CV');
PRAGMA writable_schema=ON;
INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','papers_fts','papers_fts',0,'CREATE VIRTUAL TABLE "papers_fts" USING FTS5 (
    "title", "abstract", "authors",
    tokenize=''porter unicode61 remove_diacritics 2'',
    content="papers"
)');
CREATE TABLE IF NOT EXISTS 'papers_fts_data'(id INTEGER PRIMARY KEY, block BLOB);
INSERT INTO papers_fts_data VALUES(1,X'03121c08');
INSERT INTO papers_fts_data VALUES(10,X'000000000103030003010101020101030101');
INSERT INTO papers_fts_data VALUES(137438953473,X'000000bd0630616461707401080301010402026e6101060102020102626f010601020401046368656e010601020502066f6e74696e750102050103666f7201020401046b656570010601010601056c6561726e01080601010a0203696d61010601020301036e6577010601010b01036f6c64010601010702016e010601010c01057370617273010202020474756469010601010301047461736b010601010802036861740106010105010277650106010102020468696c650106010109040d09090b0b080b0d0a0a0a080a0b0b0a09');
INSERT INTO papers_fts_data VALUES(274877906945,X'0000009a03306174020601010801026379020601020201046469617a0206010203030866666572656e74690206010102010566656465720208030101050203696e6502080401010602026f72020601010401076c616e6775616702020701056d6f64656c02020801026f66020206010770726976616369020601010306017402020201057363616c650206010109010474756e650208050101070409090b0f0d0b090c0a070e060c');
INSERT INTO papers_fts_data VALUES(412316860417,X'0000008f02306103020202026e64030601010801026469030601020201046576616e030601020301076c616e6775616703080601010901056d6f64656c030601010a0207756c74696d6f64030601010401026f660308040101060108707265747261696e03080701010501067375727665690308030101030106766973696f6e030805010107010277650306010102040609090b0f0c0e0a100e0e');
CREATE TABLE IF NOT EXISTS 'papers_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
INSERT INTO papers_fts_idx VALUES(1,X'',2);
INSERT INTO papers_fts_idx VALUES(2,X'',2);
INSERT INTO papers_fts_idx VALUES(3,X'',2);
CREATE TABLE IF NOT EXISTS 'papers_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
INSERT INTO papers_fts_docsize VALUES(1,X'050b04');
INSERT INTO papers_fts_docsize VALUES(2,X'070802');
INSERT INTO papers_fts_docsize VALUES(3,X'060902');
CREATE TABLE IF NOT EXISTS 'papers_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;
INSERT INTO papers_fts_config VALUES('version',4);
CREATE TABLE ingest_runs (
            run_id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,          -- 'arxiv-api' | 'snapshot'
            query TEXT,
            window_start TEXT,
            window_end TEXT,
            pages INTEGER NOT NULL DEFAULT 0,
            seen INTEGER NOT NULL DEFAULT 0,
            new INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            error_messages TEXT NOT NULL DEFAULT '[]',
            started_at TEXT NOT NULL,
            ended_at TEXT,
            outcome TEXT NOT NULL DEFAULT 'running'  -- running | ok | partial | failed
        , categories TEXT, covered_from TEXT, fingerprint TEXT);
INSERT INTO ingest_runs VALUES(1,'snapshot','/tmp/fixhome/p.jsonl',NULL,NULL,0,3,3,0,0,0,'[]','2026-12-02T08:55:36Z','2026-12-02T08:55:36Z','ok',NULL,NULL,'d620f8a376f79a6c79d7103cc6ec700acc88cbde6ddd4a3adc06c57d2b3964dd');
CREATE TABLE paper_fulltext (
            arxiv_id TEXT PRIMARY KEY, status TEXT NOT NULL, sha256 TEXT, bytes INTEGER, pages INTEGER,
            fetched_at TEXT NOT NULL, extractor TEXT, error TEXT);
CREATE TABLE paper_passages (
            arxiv_id TEXT NOT NULL, seq INTEGER NOT NULL, section INTEGER NOT NULL, heading TEXT NOT NULL,
            level INTEGER NOT NULL, kind TEXT NOT NULL, label TEXT, text TEXT NOT NULL, page INTEGER,
            PRIMARY KEY (arxiv_id, seq));
INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','passages_fts','passages_fts',0,'CREATE VIRTUAL TABLE passages_fts USING fts5(text, heading, arxiv_id UNINDEXED, seq UNINDEXED, tokenize = ''porter unicode61'')');
CREATE TABLE IF NOT EXISTS 'passages_fts_data'(id INTEGER PRIMARY KEY, block BLOB);
INSERT INTO passages_fts_data VALUES(1,X'');
INSERT INTO passages_fts_data VALUES(10,X'00000000000000');
CREATE TABLE IF NOT EXISTS 'passages_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS 'passages_fts_content'(id INTEGER PRIMARY KEY, c0, c1, c2, c3);
CREATE TABLE IF NOT EXISTS 'passages_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
CREATE TABLE IF NOT EXISTS 'passages_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;
INSERT INTO passages_fts_config VALUES('version',4);
CREATE TABLE paper_references (
            arxiv_id TEXT NOT NULL, n INTEGER NOT NULL, number INTEGER, text TEXT NOT NULL, title TEXT,
            year INTEGER, matched_id TEXT, PRIMARY KEY (arxiv_id, n));
CREATE TABLE reading_lists (
            list_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            created TEXT NOT NULL
        );
INSERT INTO reading_lists VALUES(1,'to read','2026-11-01T09:00:00Z');
INSERT INTO reading_lists VALUES(2,'Surveys','2026-11-02T09:00:00Z');
CREATE TABLE reading_list_items (
            list_id INTEGER NOT NULL REFERENCES reading_lists(list_id) ON DELETE CASCADE,
            arxiv_id TEXT NOT NULL,           -- arXiv id without version; papers.id once ingested
            note TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'unread' CHECK (status IN ('unread', 'reading', 'read')),
            added TEXT NOT NULL,              -- ISO UTC timestamp
            PRIMARY KEY (list_id, arxiv_id)
        );
INSERT INTO reading_list_items VALUES(1,'2409.01001','check section 3','unread','2026-11-03T09:00:00Z');
INSERT INTO reading_list_items VALUES(1,'2409.01002','check section 3','read','2026-11-03T09:00:00Z');
INSERT INTO reading_list_items VALUES(1,'2401.00001','check section 3','unread','2026-11-03T09:00:00Z');
INSERT INTO reading_list_items VALUES(2,'2409.01003','a classic','unread','2026-11-04T09:00:00Z');
CREATE TABLE reading_not_interested (
            list_id INTEGER NOT NULL REFERENCES reading_lists(list_id) ON DELETE CASCADE,
            arxiv_id TEXT NOT NULL,
            marked TEXT NOT NULL,
            PRIMARY KEY (list_id, arxiv_id)
        );
INSERT INTO reading_not_interested VALUES(1,'2402.00002','2026-11-05T09:00:00Z');
CREATE TABLE passage_notes (
            note_id INTEGER PRIMARY KEY,
            arxiv_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            section TEXT NOT NULL DEFAULT '',
            quote TEXT NOT NULL,
            note TEXT NOT NULL,
            created TEXT NOT NULL
        );
INSERT INTO passage_notes VALUES(1,'2409.01001',4,'2 Method','We show that','the key claim','2026-11-08T09:00:00Z');
CREATE TABLE paper_feedback (arxiv_id TEXT PRIMARY KEY, vote INTEGER NOT NULL, at TEXT NOT NULL);
INSERT INTO paper_feedback VALUES('2409.01001',1,'2026-11-06T09:00:00Z');
INSERT INTO paper_feedback VALUES('2403.00003',-1,'2026-11-07T09:00:00Z');
CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            trends TEXT NOT NULL DEFAULT '[]',       -- JSON list of trend names
            query TEXT,                              -- saved search query or NULL
            categories TEXT NOT NULL DEFAULT '[]',   -- JSON list of arXiv categories (any of)
            exclude TEXT NOT NULL DEFAULT '[]',      -- JSON list of words/phrases to exclude
            size INTEGER NOT NULL DEFAULT 10,
            emails TEXT NOT NULL DEFAULT '[]',       -- JSON list of addresses
            feed INTEGER NOT NULL DEFAULT 1,         -- write an Atom feed file
            created TEXT NOT NULL
        , pending TEXT NOT NULL DEFAULT '[]', token TEXT);
INSERT INTO subscriptions VALUES(1,'Weekly privacy','["privacy"]',NULL,'[]','[]',10,'["ana@lab.example"]',1,'2026-12-02T08:55:38Z','[]','601d9ab32dc421b1');
INSERT INTO subscriptions VALUES(2,'Diffusion','[]','diffusion models','["cs.CV"]','[]',10,'["bo@lab.example"]',1,'2026-12-02T08:55:38Z','["bo@lab.example"]','a772874d0dc2e7ab');
CREATE TABLE digest_deliveries (
            subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
            week TEXT NOT NULL,                      -- ISO week YYYY-Www
            target TEXT NOT NULL,                    -- an email address or 'atom'
            status TEXT NOT NULL,                    -- pending | sent | failed
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at TEXT,
            message_id TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (subscription_id, week, target)
        );
INSERT INTO digest_deliveries VALUES(1,'2026-W44','ana@lab.example','sent',1,NULL,'2026-12-02T08:55:38Z','<m1@x>','2026-12-02T08:55:38Z');
CREATE TABLE digest_items (
            subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
            arxiv_id TEXT NOT NULL,                  -- without version: revisions never come back
            week TEXT NOT NULL,
            rank INTEGER NOT NULL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (subscription_id, arxiv_id)
        );
INSERT INTO digest_items VALUES(1,'2409.01001v1','2026-W44',0,'2026-12-02T08:55:38Z');
INSERT INTO digest_items VALUES(1,'2409.01002v2','2026-W44',1,'2026-12-02T08:55:38Z');
CREATE TABLE digest_test_mails (id INTEGER PRIMARY KEY, sent_at TEXT NOT NULL);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX idx_papers_published ON papers(published);
CREATE INDEX idx_paper_categories_pk ON paper_categories(pk);
CREATE TRIGGER "papers_ai" AFTER INSERT ON "papers" BEGIN
  INSERT INTO "papers_fts" (rowid, "title", "abstract", "authors") VALUES (new.rowid, new."title", new."abstract", new."authors");
END;
CREATE TRIGGER "papers_ad" AFTER DELETE ON "papers" BEGIN
  INSERT INTO "papers_fts" ("papers_fts", rowid, "title", "abstract", "authors") VALUES('delete', old.rowid, old."title", old."abstract", old."authors");
END;
CREATE TRIGGER "papers_au" AFTER UPDATE ON "papers" BEGIN
  INSERT INTO "papers_fts" ("papers_fts", rowid, "title", "abstract", "authors") VALUES('delete', old.rowid, old."title", old."abstract", old."authors");
  INSERT INTO "papers_fts" (rowid, "title", "abstract", "authors") VALUES (new.rowid, new."title", new."abstract", new."authors");
END;
CREATE INDEX idx_ingest_runs_source ON ingest_runs(source, outcome);
CREATE INDEX idx_reading_list_items_arxiv_id ON reading_list_items(arxiv_id);
CREATE INDEX passage_notes_paper ON passage_notes(arxiv_id, seq);
CREATE INDEX idx_digest_items_week ON digest_items(subscription_id, week);
CREATE UNIQUE INDEX idx_subscriptions_token ON subscriptions(token);
PRAGMA writable_schema=OFF;
COMMIT;
