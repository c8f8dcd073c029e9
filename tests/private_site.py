"""A site with something to hide, for the sweep of every read path (test_private_sweep.py).

Three datasets, each with a word of its own in every place a dataset holds words (title,
description, tag, extras, column names, titles and descriptions, the file's name, a cell,
the recipe's original column name, author, maintainer, source, version label):

- "public-one" (organisation Openshire): everyone's; its words start "zetapub".
- "private-one" (organisation Hidden Council, two versions, the second uploaded through the
  web page, so there is an upload job): its words start "zetapriv".
- "deleted-one" (organisation Openshire, public until deleted through the API): "zetagone".

And an FOI draft by the member ("zetadraft..."), which is theirs alone, and a sent request
answered by the private dataset. Everything is made by the member, who is an admin of both
organisations; the outsider is signed in and an admin of an organisation of their own
(Elsewhere), so their private view is not empty, just not Hidden Council's.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from catalog.datasets.publishing import DatasetMetadata, publish_file
from catalog.db.models import Dataset, InfoRequest
from catalog.foi.answers import link_answer
from catalog.foi.authorities import save_authority
from catalog.foi.deadlines import uk_today
from catalog.foi.drafting import Draft, create_request, update_letter
from catalog.foi.steps import change_state
from catalog.viewer import Viewer
from tests.test_web import PASSWORD, csrf_token, post_multipart

# The places a dataset's words are kept; each dataset's word for a place is its prefix and it.
PLACES = (
    "title", "desc", "tag", "extrakey", "extraval", "col", "coltitle", "coldesc", "file",
    "cell", "rawcol", "author", "maint", "source", "version",
)  # fmt: skip
DRAFT_WORDS = ("zetadrafttitle", "zetadraftbreakdown", "zetadraftquery", "zetadraftletter")
# The words search reads (title, description, tags, column names, titles, descriptions).
SEARCHED_PLACES = ("title", "desc", "tag", "col", "coltitle", "coldesc")


def words(prefix: str) -> dict[str, str]:
    return {place: f"{prefix}{place}" for place in PLACES}


PUBLIC, PRIVATE, DELETED = words("zetapub"), words("zetapriv"), words("zetagone")
SECRETS = (*PRIVATE.values(), *DELETED.values(), *DRAFT_WORDS)


@dataclass
class Hidden:
    """What the sweep needs to know of the site it was given."""

    member: Any  # a signed-in test client
    outsider: Any  # a signed-in test client
    anonymous: Any
    member_token: str
    outsider_token: str
    ids: dict[str, int]  # dataset name -> id
    draft_id: int
    sent_id: int
    job_id: str
    authority: str


def table(path: Path, w: dict[str, str], header: str) -> Path:
    path.write_text(f"{header},amount\n{w['cell']},1\nplain,2\n", encoding="utf-8")
    return path


def publish(site: Any, tmp: Path, name: str, w: dict[str, str], org: str, **more: Any) -> None:
    schema = {
        "fields": [
            {
                "name": w["col"],
                "type": "string",
                "title": w["coltitle"],
                "description": w["coldesc"],
            },
            {"name": "amount", "type": "integer"},
        ]
    }
    metadata = DatasetMetadata(
        title=f"{w['title'].capitalize()} figures",
        description=f"All about {w['desc']}.",
        organisation=org,
        tags=[w["tag"]],
        source_url=f"https://example.org/{w['source']}",
        name=name,
        version=w["version"],
        author=w["author"],
        maintainer=w["maint"],
        extras={w["extrakey"]: w["extraval"]},
        **more,
    )
    outcome = publish_file(
        site,
        table(tmp / f"{w['file']}.csv", w, w["rawcol"]),
        original_name=f"{w['file']}.csv",
        schema=schema,
        metadata=metadata,
        user_id=1,  # the member
        recipe=[{"step": "rename-columns", "names": {w["rawcol"]: w["col"]}}],
    )
    assert outcome.published, outcome.result.report


def sign_in(client: Any, username: str) -> None:
    login = {"username": username, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")}
    assert client.post("/login", data=login).status_code == 302


def make_hidden(app: Any, site: Any, tmp: Path) -> Hidden:
    with site.session() as db:
        member = create_user(db, "member", PASSWORD)
        outsider = create_user(db, "outsider", PASSWORD)
        db.flush()
        assert member.id == 1
        member_token = create_token(db, member.id, "sweep")[1]
        outsider_token = create_token(db, outsider.id, "sweep")[1]
        authority = save_authority(db, Viewer.system(), {"name": "Leeds City Council"}).slug
        db.commit()
    publish(site, tmp, "public-one", PUBLIC, "Openshire")
    publish(site, tmp, "private-one", PRIVATE, "Hidden Council", private=True)
    publish(site, tmp, "deleted-one", DELETED, "Openshire")
    clients = [app.test_client() for _ in range(3)]
    sign_in(clients[0], "member")
    sign_in(clients[1], "outsider")
    api = "/api/3/action"
    deleted = clients[2].post(
        f"{api}/package_delete", json={"id": "deleted-one"}, headers={"Authorization": member_token}
    )
    assert deleted.status_code == 200, deleted.text
    made = clients[2].post(
        f"{api}/organization_create",
        json={"name": "elsewhere", "title": "Elsewhere"},
        headers={"Authorization": outsider_token},
    )
    assert made.status_code == 200, made.text
    job_id = upload_version(clients[0], site, PRIVATE)
    with site.session() as db:
        ids = {d.name: d.id for d in db.scalars(select(Dataset))}
        draft_id, sent_id = foi_requests(db, authority, ids["private-one"])
        db.commit()
    return Hidden(
        clients[0], clients[1], clients[2], member_token, outsider_token, ids, draft_id, sent_id,
        job_id, authority,
    )  # fmt: skip


def upload_version(client: Any, site: Any, w: dict[str, str]) -> str:
    """Version 2 of the private dataset, through the upload page: an upload job."""
    body = f"{w['col']},amount\n{w['cell']},1\nplain,3\n".encode()
    form = {
        "csrf_token": csrf_token(client, "/upload"),
        "file": (io.BytesIO(body), f"{w['file']}2.csv"),
        "schema_source": "infer",
        "dataset": "private-one",
        "licence": "uk-ogl",
    }
    sent = post_multipart(client, "/upload", form)
    assert sent.status_code == 303, sent.text
    job_id = str(sent.headers["Location"].rsplit("/", 1)[-1])
    assert site.jobs.wait(job_id, timeout=60), "the upload never ended"
    status = client.get(f"/uploads/{job_id}.json").json
    assert status["state"] == "published" and status["version_number"] == 2, status
    return job_id


def foi_requests(db: Any, authority: str, private_id: int) -> tuple[int, int]:
    """The member's draft (theirs alone), and a sent request answered by the private dataset."""
    from catalog.db.models import Authority

    member = Viewer.user(1, "member")
    body = db.scalar(select(Authority).where(Authority.slug == authority))
    today = uk_today()
    draft = create_request(
        db,
        member,
        body,
        Draft(
            title="Zetadrafttitle counts by ward",
            breakdown="by zetadraftbreakdown",
            search_query="zetadraftquery",
        ),
        today,
    )
    update_letter(db, member, draft, f"{draft.letter}\n\nSee zetadraftletter.")
    sent = create_request(db, member, body, Draft(title="Road repairs by ward"), today)
    change_state(db, member, sent, "sent", today, today)
    link_answer(db, member, sent, db.get_one(Dataset, private_id), today)
    db.flush()
    assert db.get_one(InfoRequest, sent.id).dataset_id == private_id
    return draft.id, sent.id


def page_json(response: Any) -> Any:
    return json.loads(response.get_data(as_text=True))
