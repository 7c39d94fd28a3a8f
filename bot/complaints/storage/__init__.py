"""SQLite storage of the complaint system, one module per concern.

`database` owns connections and transactions (the only code that talks to sqlite3), `migrations`
the schema; `complaints`, `outbox`, `sessions`, `groups` and `audit` each own their tables and the
mapping between their rows and Python objects. `bot.complaints.store.Store` is the facade the rest
of the project uses.
"""
