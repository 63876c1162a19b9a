"""The dictation queue: clinicians dictate, secretaries take, transcribe and send for signing."""
