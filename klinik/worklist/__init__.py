"""The secretary's one work queue: asks every kind of work registered on
`core.worklist.WORK_KINDS` for one page, merges by urgency, names the page's patients and logs
the opening of the list. Used by the desk's screen (`/arbejdsliste/`), the REST API
(`GET /api/v1/worklist`) and the dashboard's counts. No models: the kinds own their rows."""
