"""``helin demo``: a demo company, its agents' softphones and a carrier placing calls, all
built from helin's own SIP and media parts and run with a whole helin on loopback.

- ``company``: the demo company, provisioned idempotently through ``helin.store.provisioning.file``;
- ``phone``: an agent's softphone (REGISTER with digest, ``*40``, answers and talks);
- ``trunk``: the carrier on 127.0.0.2, placing calls at a steady rate, callers giving up;
- ``audio``: RTP for both (a tone each 20 ms from one ticker, packets counted);
- ``monitor``: the lines printed (groups from the engine, finished calls from the store);
- ``run``: wires it all and stops it cleanly.
"""
