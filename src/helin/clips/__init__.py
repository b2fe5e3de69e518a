"""Audio clips: conversion of uploads to helin's 8 kHz G.711 clip files, and the defaults.

``convert.convert_upload`` turns a manager's WAV or MP3 into an 8 kHz mono µ-law WAV (or
refuses it with ``ClipRejected``); ``library.default_library`` loads the shipped clips
(``default/<language>/*.wav`` and ``default/hold.wav``); ``python -m helin.clips.make``
regenerates them with espeak-ng and the music synthesiser.
"""
