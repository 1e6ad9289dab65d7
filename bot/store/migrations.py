"""The schema, as numbered sqlite-utils migrations applied every time the store opens.

Never edit a migration that has shipped: add the next number. A new and an old
database then end up with the same schema.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from bot.store.sealing import blind_existing, blind_in_place, seal_existing

migrations = Migrations("aftercare")


@migrations(name="0001_patients_treatments_deliveries")
def m0001(db: Database) -> None:
    db.execute("""
        CREATE TABLE patients (
            chat_id INTEGER PRIMARY KEY,
            user_id INTEGER,
            display_name TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('enrolling', 'active')),
            step TEXT,                 -- the enrolment or settings question awaiting an answer
            draft_date TEXT,           -- treatment date chosen during enrolment (ISO date)
            zone TEXT,                 -- IANA zone name
            morning TEXT, evening TEXT,            -- local HH:MM
            immunocompromised TEXT,    -- yes / no / unsure
            cold_sore_history TEXT,    -- yes / no / unsure
            skin_type TEXT,            -- Fitzpatrick I..VI, or NULL when skipped
            reachable INTEGER NOT NULL DEFAULT 1,
            consent_at TEXT NOT NULL,  -- UTC ISO instants
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE treatments (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL REFERENCES patients(chat_id) ON DELETE CASCADE,
            plan TEXT NOT NULL,
            treatment_date TEXT NOT NULL,
            created_at TEXT NOT NULL,
            replaced_at TEXT           -- set when a newer session replaces this one
        )""")
    db.execute("CREATE INDEX treatments_chat ON treatments(chat_id, replaced_at)")
    db.execute("""
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL REFERENCES patients(chat_id) ON DELETE CASCADE,
            treatment_id INTEGER NOT NULL REFERENCES treatments(id) ON DELETE CASCADE,
            step TEXT NOT NULL,
            day INTEGER NOT NULL,
            kind TEXT NOT NULL,
            slot TEXT NOT NULL,
            message_key TEXT NOT NULL,
            due_at TEXT NOT NULL,      -- UTC ISO instant
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'claimed', 'sent', 'skipped', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id INTEGER,
            reason TEXT,
            updated_at TEXT NOT NULL,
            UNIQUE (chat_id, treatment_id, step)
        )""")
    db.execute("CREATE INDEX deliveries_due ON deliveries(state, due_at)")
    db.execute("CREATE INDEX deliveries_chat ON deliveries(chat_id, state)")


@migrations(name="0002_checkins_verdicts_alerts")
def m0002(db: Database) -> None:
    db.execute("""
        CREATE TABLE checkins (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL REFERENCES patients(chat_id) ON DELETE CASCADE,
            treatment_id INTEGER NOT NULL REFERENCES treatments(id) ON DELETE CASCADE,
            day INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'done', 'emergency', 'no_response', 'abandoned')),
            answers TEXT NOT NULL DEFAULT '[]',   -- JSON [[question, value], ...] in answer order
            selection TEXT NOT NULL DEFAULT '',   -- ticks of the multi-select question in progress
            message_id INTEGER,                   -- the message edited in place as answers come in
            started_at TEXT NOT NULL,
            completed_at TEXT
        )""")
    db.execute("CREATE INDEX checkins_chat ON checkins(chat_id, state)")
    db.execute("""
        CREATE TABLE verdicts (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL REFERENCES patients(chat_id) ON DELETE CASCADE,
            checkin_id INTEGER REFERENCES checkins(id) ON DELETE CASCADE,
            treatment_id INTEGER NOT NULL REFERENCES treatments(id) ON DELETE CASCADE,
            day INTEGER NOT NULL,
            level TEXT NOT NULL,
            reasons TEXT NOT NULL,     -- JSON [{rule, level, answers}]
            tokens TEXT NOT NULL,      -- JSON: the §0 tokens evaluated (free text reduced to its keyword)
            rules_version TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX verdicts_chat ON verdicts(chat_id, id)")
    db.execute("""
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL REFERENCES patients(chat_id) ON DELETE CASCADE,
            verdict_id INTEGER NOT NULL REFERENCES verdicts(id) ON DELETE CASCADE,
            level TEXT NOT NULL,
            clinic_message_id INTEGER,
            created_at TEXT NOT NULL,
            acknowledged_by INTEGER,
            acknowledged_at TEXT
        )""")
    db.execute("ALTER TABLE treatments ADD COLUMN rash_first_day INTEGER")


@migrations(name="0003_patient_control")
def m0003(db: Database) -> None:
    # What the patient switched off (comma-separated delivery kinds), a pause end (UTC ISO instant),
    # and whether they have been told once that stopping check-ins stops red-flag screening.
    db.execute("ALTER TABLE patients ADD COLUMN stopped_kinds TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE patients ADD COLUMN paused_until TEXT")
    db.execute("ALTER TABLE patients ADD COLUMN checkin_stop_warned INTEGER NOT NULL DEFAULT 0")


@migrations(name="0004_meta_and_patient_text")
def m0004(db: Database) -> None:
    # meta holds the sealed key-check value, so a wrong data key is caught when the store opens.
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # What the patient typed that led to a verdict (free text), sealed with the data key.
    db.execute("ALTER TABLE verdicts ADD COLUMN patient_text TEXT")


@migrations(name="0005_patient_quiet_hours")
def m0005(db: Database) -> None:
    # NULL = the clinic's quiet hours; 'off' in quiet_start = none at all; else local HH:MM.
    db.execute("ALTER TABLE patients ADD COLUMN quiet_start TEXT")
    db.execute("ALTER TABLE patients ADD COLUMN quiet_end TEXT")


@migrations(name="0006_clinic_relays")
def m0006(db: Database) -> None:
    # Messages between a patient and the clinic chat. ``text`` is sealed with the data key; a photo is
    # kept as its Telegram file id only, never its bytes. ``clinic_message_id`` is the relayed message in
    # the clinic chat, so a staff reply to it finds its patient.
    db.execute("""
        CREATE TABLE relays (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL REFERENCES patients(chat_id) ON DELETE CASCADE,
            direction TEXT NOT NULL CHECK (direction IN ('to_clinic', 'from_clinic')),
            text TEXT,
            file_id TEXT,
            clinic_message_id INTEGER,
            created_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX relays_clinic_message ON relays(clinic_message_id)")
    # Set by /clinic or "Message the clinic": the patient's next message or photo goes to the clinic.
    db.execute("ALTER TABLE patients ADD COLUMN relay_armed_at TEXT")


@migrations(name="0007_checkin_v2")
def m0007(db: Database) -> None:
    # Triage rules v2: the items of the previous check-in re-asked by name ("still there?"), the one-tap
    # questions about typed signs asked first (JSON list of question ids), a verdict on an unfinished
    # check-in marked partial (P5a), and the reasons already alerted per check-in (one alert each).
    db.execute("ALTER TABLE checkins ADD COLUMN still TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE checkins ADD COLUMN asks TEXT NOT NULL DEFAULT '[]'")
    db.execute("ALTER TABLE verdicts ADD COLUMN partial INTEGER NOT NULL DEFAULT 0")
    db.execute("""
        CREATE TABLE alerted_reasons (
            chat_id INTEGER NOT NULL REFERENCES patients(chat_id) ON DELETE CASCADE,
            checkin_id INTEGER NOT NULL,
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, checkin_id, reason)
        )""")


# What 0008 sealed. A column sealed later needs its own migration calling seal_existing with it.
SEALED_IN_0008 = {
    "patients": ("display_name", "immunocompromised", "cold_sore_history", "skin_type"),
    "checkins": ("answers", "selection", "still", "asks"),
    "verdicts": ("reasons", "tokens", "patient_text"),
    "relays": ("text", "file_id"),
}


@migrations(name="0008_seal_patient_answers")
def m0008(db: Database) -> None:
    # Every answer a patient gives is sealed with the data key (bot/store/sealing.py); rows written
    # before, when only names and free text were, are sealed here in place. The reasons alerted per
    # check-in must stay unique, so ``reason`` becomes a keyed hash and the rule itself is sealed beside it.
    db.execute("ALTER TABLE alerted_reasons ADD COLUMN sealed_reason TEXT")
    seal_existing(db, SEALED_IN_0008)
    blind_existing(db, "alerted_reasons", "reason", "sealed_reason")


@migrations(name="0009_outbox_and_patient_numbers")
def m0009(db: Database) -> None:
    # Everything else that must reach someone: clinic alerts, their re-raises and on-call copies, the edits
    # that erase them, and patient replies parked by a long 429. No chat_id column and no foreign key on
    # purpose: erasure must still find (and edit) the clinic's messages about a patient who is gone.
    db.execute("""
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,        -- alert, reraise, oncall, erased, reply
            target INTEGER NOT NULL,   -- the chat it goes to (the clinic chat, an admin, a patient)
            about INTEGER,             -- the patient's chat id
            alert_id INTEGER,
            edit_message_id INTEGER,   -- erased: the message to edit
            body TEXT,                 -- reply: the text, sealed with the data key
            markup TEXT,               -- reply: JSON inline keyboard
            due_at TEXT NOT NULL,      -- UTC ISO instant
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'claimed', 'sent', 'skipped', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id INTEGER,
            reason TEXT,
            updated_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX outbox_due ON outbox(state, due_at)")
    db.execute("CREATE INDEX outbox_about ON outbox(about)")
    db.execute("CREATE UNIQUE INDEX outbox_once ON outbox(kind, alert_id, target, coalesce(edit_message_id, 0))"
               " WHERE alert_id IS NOT NULL")
    # A stable short number staff can say on the phone; AUTOINCREMENT never hands an erased number out again.
    db.execute("""
        CREATE TABLE patient_refs (
            number INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL UNIQUE REFERENCES patients(chat_id) ON DELETE CASCADE,
            username TEXT              -- Telegram @username, sealed
        )""")
    # The rules behind an alert, so a repeated red flag within minutes does not alert twice.
    db.execute("ALTER TABLE alerts ADD COLUMN rules TEXT NOT NULL DEFAULT ''")


@migrations(name="0010_engagement")
def m0010(db: Database) -> None:
    # Whether a silent patient (three check-ins unanswered in a row) has been asked once if they want fewer
    # messages, and the daily limit they chose (NULL: the plan's budget).
    db.execute("ALTER TABLE patients ADD COLUMN fewer_asked INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE patients ADD COLUMN daily_limit INTEGER")
    # The midday sunscreen top-up: NULL = the clinic's midday time, "off" = stopped on its own, else local HH:MM.
    db.execute("ALTER TABLE patients ADD COLUMN midday TEXT")


@migrations(name="0011_blind_alert_rules")
def m0011(db: Database) -> None:
    # The rules behind an alert say which red flags a patient reported; they are only compared (a repeat
    # within minutes), so they are kept as a keyed hash of the data key (bot/store/sealing.py).
    blind_in_place(db, "alerts", "rules")


@migrations(name="0012_handled_updates")
def m0012(db: Database) -> None:
    # Telegram update ids already handled, so an update delivered again after a restart is ignored. ``seq``
    # keeps insertion order: ids are sequential, except that after a week without updates Telegram picks
    # the next one at random, so only the newest rows by ``seq`` (bot/store/updates.py) are kept, not by id.
    # Ids only: no chat, no text, nothing about a patient.
    db.execute("""
        CREATE TABLE handled_updates (
            seq INTEGER PRIMARY KEY,
            update_id INTEGER NOT NULL UNIQUE
        )""")


@migrations(name="0013_staff_threads")
def m0013(db: Database) -> None:
    # The patient-side id of a staff reply the bot passed on, so that the patient's reply to it goes back to
    # that staff member's message in the clinic chat (a thread per conversation).
    db.execute("ALTER TABLE relays ADD COLUMN patient_message_id INTEGER")
    db.execute("CREATE INDEX relays_patient_message ON relays(chat_id, patient_message_id)")


@migrations(name="0014_clinic_chat_of_messages")
def m0014(db: Database) -> None:
    # Message ids start again in every chat: a message the bot posted in the clinic chat is known by the chat's
    # id AND its own, so that after the clinic moves to a new group an old id can't name another patient's
    # message there. Alerts take the chat from the outbox row that posted them (exact). Relays never recorded
    # it: they stay NULL, which matches no chat, until the bot's first start after this migration pins them to
    # the clinic chat it is configured with, if nothing shows it ever posted elsewhere
    # (bot/store/relays.py, RelayStore.adopt_clinic_chat).
    db.execute("ALTER TABLE relays ADD COLUMN clinic_chat_id INTEGER")
    db.execute("ALTER TABLE alerts ADD COLUMN clinic_chat_id INTEGER")
    db.execute("UPDATE alerts SET clinic_chat_id = (SELECT o.target FROM outbox o WHERE o.alert_id = alerts.id"
               " AND o.kind = 'alert' AND o.state = 'sent' AND o.message_id = alerts.clinic_message_id"
               " ORDER BY o.id LIMIT 1) WHERE clinic_message_id IS NOT NULL")
    db.execute("DROP INDEX relays_clinic_message")
    db.execute("CREATE INDEX relays_clinic_message ON relays(clinic_chat_id, clinic_message_id)")


@migrations(name="0016_clinic_side")
def m0016(db: Database) -> None:
    # Invitations (bot/care/invites.py): the plan a poster link or an invitation chose while the patient enrols,
    # and the clinic's own reference for the patient (sealed), shown to staff with every alert. Invitations carry
    # everything in their signed payload; the store only remembers which were used, so each is used once. No chat
    # id there on purpose: a used invitation says nothing about who used it.
    db.execute("ALTER TABLE patients ADD COLUMN draft_plan TEXT")
    db.execute("ALTER TABLE patients ADD COLUMN clinic_ref TEXT")
    db.execute("""
        CREATE TABLE invites_used (
            invite_id TEXT PRIMARY KEY,
            used_at TEXT NOT NULL
        )""")
    # An alert's life (bot/care/alert_life.py): open -> acknowledged -> reached | no_answer -> resolved. The state
    # beside the alert (acknowledged_by stays what stops re-raises), each step as a row of its own: who (the staff
    # member's name, sealed, and the logs' pseudonym, never a raw id), when, and the staff's note (sealed), which
    # the patient never sees. No chat_id column: /mydata exports every table that has one, and staff notes are
    # not the patient's to read; the steps go with their alert when the patient is erased (ON DELETE CASCADE).
    db.execute("ALTER TABLE alerts ADD COLUMN state TEXT NOT NULL DEFAULT 'open'")
    db.execute("UPDATE alerts SET state = 'acknowledged' WHERE acknowledged_by IS NOT NULL")
    db.execute("""
        CREATE TABLE alert_steps (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
            step TEXT NOT NULL,
            staff_name TEXT NOT NULL DEFAULT '',
            staff_ref TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            note TEXT,
            clinic_chat_id INTEGER,
            message_id INTEGER
        )""")
    db.execute("CREATE INDEX alert_steps_alert ON alert_steps(alert_id)")
    db.execute("CREATE INDEX alert_steps_message ON alert_steps(clinic_chat_id, message_id)")
    # A "no answer" reminds staff later (outbox kind 'recall'), once per step: the outbox's one-row-per-alert
    # rule keys on the step's row (edit_message_id holds nothing for a recall, so it is left out of that rule).
    db.execute("DROP INDEX outbox_once")
    db.execute("CREATE UNIQUE INDEX outbox_once ON outbox(kind, alert_id, target, coalesce(edit_message_id, 0))"
               " WHERE alert_id IS NOT NULL AND kind != 'recall'")
    # Staff ended the patient's plan early (``/patient N end``): nothing more of it is planned or sent.
    db.execute("ALTER TABLE treatments ADD COLUMN ended_at TEXT")


@migrations(name="0017_undeliverable_alerts")
def m0017(db: Database) -> None:
    # When the clinic chat refused an alert for good (BadRequest or Forbidden after its retries): it then went
    # to the on-call admins in private, and the daily worklist lists it (OutboxStore.undeliverable_alerts).
    db.execute("ALTER TABLE alerts ADD COLUMN undeliverable_at TEXT")
    # The bot's own messages in the clinic chat that name a patient besides alerts and relays (the "✓ Sent to
    # Ana" receipts), so /delete and retention can edit them to the erased wording. Ids only; no foreign key:
    # the erasure reads them before the patient's rows go, then deletes them.
    db.execute("""
        CREATE TABLE clinic_mentions (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            clinic_chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL
        )""")
    db.execute("CREATE INDEX clinic_mentions_chat ON clinic_mentions(chat_id)")


@migrations(name="0018_patient_language")
def m0018(db: Database) -> None:
    # The language the patient chose at /start or in /settings (a catalog code such as "de"); NULL: the clinic's
    # default (AFTERCARE_LANGUAGE), as every patient enrolled before languages were chosen per patient.
    db.execute("ALTER TABLE patients ADD COLUMN language TEXT")


@migrations(name="0019_forum_topics")
def m0019(db: Database) -> None:
    # A topic per patient when the clinic chat is a forum (bot/care/topics.py): which topic of which clinic chat
    # is the patient's, kept beside their patient number (how staff find them; erased with it). The clinic chat id
    # is kept with the topic's id: a topic belongs to one clinic chat, and a new clinic chat starts a new topic.
    # NULL for every patient of an older database: their next post about them opens their topic.
    db.execute("ALTER TABLE patient_refs ADD COLUMN topic_chat_id INTEGER")
    db.execute("ALTER TABLE patient_refs ADD COLUMN topic_id INTEGER")
    db.execute("CREATE INDEX patient_refs_topic ON patient_refs(topic_chat_id, topic_id)")


@migrations(name="0021_preparation_notes")
def m0021(db: Database) -> None:
    # Before the session, a sign that means it should wait (a cold sore, a fever...) typed by the patient gets a
    # note to the clinic (outbox kind 'prep_note'), once per session and sign: a second "my cold sore is still
    # there" tells the patient again but not the team. The signs already noted, as space-separated tokens (never
    # the patient's words); NULL: none, as for every session before this column.
    db.execute("ALTER TABLE treatments ADD COLUMN prep_noted TEXT")


@migrations(name="0022_photo_checkins")
def m0022(db: Database) -> None:
    # Photo check-ins (bot/handlers/photos.py): whether the patient said yes to being asked for a photo on the plan's
    # photo days ('yes' / 'no'; NULL: never answered, which asks nothing), and on the check-in after whose result a
    # photo was asked for: 'asked', then 'sent' (``photo_relay_id``: the relay that carried it, whose sealed file
    # id is the only trace of the picture, erased with the patient like every relayed photo) or 'skipped'. NULL on
    # every other check-in, and on every row before this migration. The check-in's own state is never touched, so
    # a photo skipped or never sent counts nowhere as a missed check-in.
    db.execute("ALTER TABLE patients ADD COLUMN photo_consent TEXT")
    db.execute("ALTER TABLE checkins ADD COLUMN photo TEXT CHECK (photo IN ('asked', 'sent', 'skipped'))")
    db.execute("ALTER TABLE checkins ADD COLUMN photo_asked_at TEXT")
    db.execute("ALTER TABLE checkins ADD COLUMN photo_relay_id INTEGER")


@migrations(name="0023_companions")
def m0023(db: Database) -> None:
    # A companion (bot/handlers/companion.py): one relative or friend per patient, who gets copies of urgent and
    # emergency advice only. Kept on the patient's own row, so the patient's /mydata shows it and their erasure
    # takes it: the companion's chat id (unique: a companion accompanies one patient at a time), their first name
    # (sealed), their language for the heading of the copies, whether the patient chose to have their "I'm not OK"
    # passed on, and since when. NULL on every row before this migration: no companion.
    db.execute("ALTER TABLE patients ADD COLUMN companion_chat_id INTEGER")
    db.execute("ALTER TABLE patients ADD COLUMN companion_name TEXT")
    db.execute("ALTER TABLE patients ADD COLUMN companion_language TEXT")
    db.execute("ALTER TABLE patients ADD COLUMN companion_not_ok INTEGER")
    db.execute("ALTER TABLE patients ADD COLUMN companion_since TEXT")
    db.execute("CREATE UNIQUE INDEX patients_companion ON patients(companion_chat_id)"
               " WHERE companion_chat_id IS NOT NULL")


@migrations(name="0024_parked_message_options")
def m0024(db: Database) -> None:
    # How a message parked by a 429 is to be sent (bot/delivery/replies.py), as JSON: the entities that quote a
    # patient's words in a relay (so no line of theirs passes for the header) and the message it answers (a
    # patient's reply to a staff message). Offsets and ids only, no text. NULL for every other row, as before.
    db.execute("ALTER TABLE outbox ADD COLUMN options TEXT")
