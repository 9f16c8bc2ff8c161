"""The v2 segment endpoints: segments made, listed, read, changed, deleted; members in bulk.

Bodies are checked against ``schemas.SEGMENT_*`` (the v2 document's rules),
then, as Attentive documents, names, descriptions and external ids are
trimmed and must still have their lengths (a blank name is a 400). An
unknown external id is a 404. Members are added or removed by a bulk job
that runs later, exactly like bulk attributes (:mod:`.bulk_jobs`): 202 and a
``batchJobId``, the members applied when the job runs, and the results
behind the same signed, expiring link.
"""

from __future__ import annotations

from typing import Any

from attentive_nb.sandbox.base import Answer, ApiHandler, Reject
from attentive_nb.sandbox.bulk_jobs import run_due
from attentive_nb.sandbox.faults import REJECTED_MEMBER
from attentive_nb.sandbox.segment_store import MEMBER_IDS, Segment

_LIMITS = {"name": (1, 240), "description": (2, 500), "externalId": (1, 255)}
_PAGE = 20


class _SegmentApi(ApiHandler):
    """PATCH and DELETE routed like GET and POST."""

    async def patch(self, *args: str) -> None:
        await self._run(self.handle_patch, *args)

    async def delete(self, *args: str) -> None:
        await self._run(self.handle_delete, *args)

    def handle_patch(self, *args: str) -> Answer:
        raise Reject(405, "Method not allowed")

    def handle_delete(self, *args: str) -> Answer:
        raise Reject(405, "Method not allowed")

    def segment(self, external_id: str) -> Segment:
        found = self.ctx.state.segments.by_id.get(external_id)
        if found is None:
            raise Reject(404, f"Segment not found: no segment has externalId {external_id!r}")
        return found


def trimmed(body: dict[str, Any], name: str) -> str | None:
    """A text field trimmed, still within its documented length (else a 400)."""
    if name not in body:
        return None
    text = str(body[name]).strip()
    low, high = _LIMITS[name]
    if not low <= len(text) <= high:
        raise Reject(
            400,
            f"Invalid parameter in request body: {name} must be {low} to {high} characters "
            "once leading and trailing whitespace is trimmed",
        )
    return text


class SegmentsHandler(_SegmentApi):
    """``POST /v2/segments`` (201) and ``GET /v2/segments`` (name, externalId, paging)."""

    endpoints = {"POST": "segment_create", "GET": "segments"}

    def handle_post(self, *args: str) -> Answer:
        body = self.json_body()
        name = trimmed(body, "name")
        description, external_id = trimmed(body, "description"), trimmed(body, "externalId")
        store = self.ctx.state.segments
        with self.ctx.state.lock:
            if external_id is not None and external_id in store.by_id:
                raise Reject(400, f"Invalid parameter: externalId {external_id!r} is taken")
            segment = store.create(str(name), description, external_id)
        self.accepted(body)
        answer = segment.answer()
        return 201, {k: answer[k] for k in ("externalId", "name", "description")}

    def handle_get(self, *args: str) -> Answer:
        name = self._filter("name")
        external_id = self._filter("externalId")
        limit = self._limit()
        with self.ctx.state.lock:
            found = [
                s.answer()
                for s in self.ctx.state.segments.by_id.values()
                if (name is None or name.lower() in s.name.lower())
                and (external_id is None or s.external_id == external_id)
            ]
        start = self._cursor()
        page = found[start : start + limit]
        more = start + limit < len(found)
        self.accepted({"name": name, "externalId": external_id})
        return 200, {
            "segments": page,
            "cursor": str(start + limit) if more else None,
            "hasMore": more,
        }

    def _filter(self, name: str) -> str | None:
        value = self.get_query_argument(name, None)
        if value is not None and not value.strip():
            raise Reject(400, f"Invalid parameter: {name} cannot be empty or whitespace only")
        return value

    def _limit(self) -> int:
        text = self.get_query_argument("limit", str(_PAGE))
        if not text.isdigit() or not 1 <= int(text) <= 1000:
            raise Reject(400, "Invalid parameter: limit must be a whole number from 1 to 1000")
        return int(text)

    def _cursor(self) -> int:
        text = self._filter("cursor") or "0"
        if not text.isdigit():
            raise Reject(400, "Invalid parameter: cursor is not one this server gave")
        return int(text)


class SegmentHandler(_SegmentApi):
    """``GET``, ``PATCH`` and ``DELETE /v2/segments/external/{externalId}``."""

    endpoints = {"GET": "segment", "PATCH": "segment_update", "DELETE": "segment_delete"}

    def handle_get(self, *args: str) -> Answer:
        (external_id,) = args
        with self.ctx.state.lock:
            answer = self.segment(external_id).answer()
        self.accepted({"externalId": external_id})
        return 200, answer

    def handle_patch(self, *args: str) -> Answer:
        (external_id,) = args
        body = self.json_body()
        name, description = trimmed(body, "name"), trimmed(body, "description")
        with self.ctx.state.lock:
            segment = self.segment(external_id)
            segment.name = name if name is not None else segment.name
            segment.description = description if description is not None else segment.description
            self.ctx.state.segments.touch(segment)
            answer = segment.answer()
        self.accepted(body)
        return 200, answer

    def handle_delete(self, *args: str) -> Answer:
        (external_id,) = args
        with self.ctx.state.lock:
            self.segment(external_id)
            del self.ctx.state.segments.by_id[external_id]
        self.accepted({"externalId": external_id})
        return 204, None


class MembersHandler(_SegmentApi):
    """``POST`` / ``DELETE /v2/bulk/segments/members``: 202 and a job that applies them later."""

    endpoints = {"POST": "segment_add", "DELETE": "segment_remove"}

    def handle_post(self, *args: str) -> Answer:
        return self._submit(adding=True)

    def handle_delete(self, *args: str) -> Answer:
        return self._submit(adding=False)

    def _submit(self, *, adding: bool) -> Answer:
        body = self.json_body()
        external_id = str(body["externalId"]).strip()
        with self.ctx.state.lock:
            self.segment(external_id)
        ctx = self.ctx
        refused = frozenset(ctx.faults.reject_members)  # as set when the job was submitted

        def run(member: dict[str, Any]) -> dict[str, Any]:
            run_member = {k: member[k] for k in MEMBER_IDS if k in member}
            segment = ctx.state.segments.by_id.get(external_id)
            if segment is None:
                answer = {"status": "FAILED", "message": f"segment {external_id!r} not found"}
            elif refused.intersection(map(str, run_member.values())):
                answer = {"status": "FAILED", "message": REJECTED_MEMBER}
            else:
                segment.add(run_member) if adding else segment.remove(run_member)
                ctx.state.segments.touch(segment)
                answer = {"status": "SUCCESS", "message": "Member processed"}
            return {"request": member, "response": answer}

        run_due(ctx)  # earlier jobs first: an add then a remove of one person ends out
        job = ctx.state.add_job(body["members"], ctx.clock(), ctx.faults.fail_bulk_jobs, run)
        self.accepted(body, owned=True)
        verb = "add" if adding else "remove"
        return 202, {
            "message": f"Bulk segment member {verb} job successfully submitted",
            "batchJobId": job.id,
        }


def members_of(ctx: Any, external_id: str) -> list[dict[str, str]]:
    """The identifiers of every member of a segment, once due jobs have run ([] if none)."""
    run_due(ctx)
    with ctx.state.lock:
        segment = ctx.state.segments.by_id.get(external_id)
        return [dict(m) for m in segment.members] if segment else []
