"""Citizens' personal data: encryption at rest, keyed hashes, redaction, consent, retention, rights.

Law 91/2025/QH15 on personal data protection (in force 1/1/2026) and the Law on Denunciation 2018
(Article 47, the reporter's identity is secret) are the reasons this package exists.
"""
