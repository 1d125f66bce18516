"""Live runs: file signatures, a poller that finds what changed, incremental reads, status.

Polling, not inotify (NFS and Lustre do not deliver file events): :class:`~.poller.Poller`
stats every watched file once per poll (:mod:`.signature`, :mod:`.layout`) and reads only
the bytes appended since the last one (:mod:`.tailers`); :func:`~.apply.apply_poll` turns
a poll into new ``RunData`` for the runs that changed; :class:`~.session.LiveRuns` keeps
them for the app's poll worker and ``curvelens tail`` (:mod:`.follow`); :mod:`.status`
holds the run status rules loading and polling share.
"""
