"""The recording manager: where finished recordings are stored, how long they are kept, and
the jobs that move them from the spool into storage and purge them when they expire.

``policy`` and ``ranges`` are pure (dates, names, formats, byte ranges); ``storage`` and
``s3`` are the two storage back-ends; ``encode`` converts a finished WAV to the stored format;
``uploader`` and ``purge`` are the two jobs ``helin.app`` runs.
"""
