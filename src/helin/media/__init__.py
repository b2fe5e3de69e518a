"""RTP media, pure: G.711, RTP/RTCP, SDP, DTMF, clip players, the relay core and the recorder.

Imports only the standard library and itself; sockets and timers live in
``helin.switch.mediaserver``, the recordings' files in ``helin.switch.recording``.
"""
