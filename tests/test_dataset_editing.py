"""Fixing your own work (issue 15, point 3): a dataset's edit page and the API's
package_update/package_patch answer alike (one function, catalog/datasets/editing.py);
extras and their caps; delete with a confirmation, restore from the organisation's and the
admin's lists, and what a deleted dataset leaves behind for whom; refusals say who grants."""

from __future__ import annotations

import re
from typing import Any

from catalog.accounts.tokens import create_token
from catalog.accounts.users import create_user
from tests.test_web import PASSWORD, csrf_token

API = "/api/3/action"


class Room:
    """priya (admin of Parks), eddie (its editor), mo (its member), sam (an outsider) and
    ada (the site's admin): each a signed-in browser and an API token."""

    def __init__(self, app: Any, site: Any) -> None:
        self.app, self.tokens, self.browsers = app, {}, {}
        with site.session() as session:
            for name in ("priya", "eddie", "mo", "sam", "ada"):
                user = create_user(session, name, PASSWORD, is_admin=name == "ada")
                session.flush()
                self.tokens[name] = create_token(session, user.id, "tests")[1]
            session.commit()
        self.call("priya", "organization_create", name="parks", title="Parks Team")
        for name, role in (("eddie", "editor"), ("mo", "member")):
            self.call("priya", "organization_member_create", id="parks", username=name, role=role)
        made = self.call("eddie", "package_create", title="Trees", owner_org="parks", notes="Oak")
        self.name = made["name"]

    def api(self, who: str | None, action: str, **body: Any) -> Any:
        headers = {"Authorization": self.tokens[who]} if who else {}
        return self.app.test_client().post(f"{API}/{action}", json=body, headers=headers)

    def call(self, who: str, action: str, **body: Any) -> Any:
        answer = self.api(who, action, **body)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["result"]

    def browser(self, who: str | None) -> Any:
        if who is None:
            return self.app.test_client()
        if who not in self.browsers:
            client = self.app.test_client()
            login = {
                "username": who,
                "password": PASSWORD,
                "csrf_token": csrf_token(client, "/login"),
            }
            assert client.post("/login", data=login).status_code == 302
            self.browsers[who] = client
        return self.browsers[who]


def form_values(page: str) -> dict[str, Any]:
    """The edit form as the browser would send it back, unchanged."""
    values: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                values[name.group(1)] = "y"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = _unescape(value.group(1)) if value else ""
    for name, text in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>\s?(.*?)</textarea>', page, re.S
    ):
        values[name] = _unescape(text)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body
        )
        values[name] = next(g for g in chosen.groups() if g is not None) if chosen else ""
    return values


def _unescape(text: str) -> str:
    return (
        text.replace("&#34;", '"')
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def edit(room: Room, who: str, **changes: Any) -> Any:
    client = room.browser(who)
    page = client.get(f"/dataset/{room.name}/edit")
    assert page.status_code == 200, page.text[-2000:]
    return client.post(f"/dataset/{room.name}/edit", data={**form_values(page.text), **changes})


def text(answer: Any) -> str:
    return answer.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


def test_the_edit_page_and_the_api_change_the_same_details_alike(app: Any, site: Any) -> None:
    room = Room(app, site)
    saved = edit(
        room,
        "eddie",
        title="Tree survey",
        description="All the **oaks**",
        tags="oak, Street Trees",
        source_url="https://example.org/trees",
        version="2024 Q1",
        author="Parks team",
        author_email="parks@example.org",
        maintainer="Eddie",
        **{"extras-0-key": "coverage", "extras-0-value": "north ward"},
    )
    assert saved.status_code == 303 and saved.headers["Location"] == f"/dataset/{room.name}"
    shown = room.call("sam", "package_show", id=room.name)
    assert shown["title"] == "Tree survey" and shown["notes"] == "All the **oaks**"
    assert [t["name"] for t in shown["tags"]] == ["oak", "street trees"]
    assert (shown["url"], shown["version"], shown["author"]) == (
        "https://example.org/trees",
        "2024 Q1",
        "Parks team",
    )
    assert shown["extras"] == [{"key": "coverage", "value": "north ward"}]
    assert shown["organization"]["name"] == "parks"  # an editor's form keeps it where it is
    found = room.call("sam", "package_search", q="survey")
    assert [p["name"] for p in found["results"]] == [room.name]  # the index followed

    # The API's patch, then the page shows it; the same mistake gets the same words.
    room.call("eddie", "package_patch", id=room.name, title="Street trees", extras=[])
    page = room.browser("eddie").get(f"/dataset/{room.name}/edit").text
    assert 'value="Street trees"' in page and "north ward" not in page
    bad_page = edit(room, "eddie", source_url="ftp://example.org/trees")
    bad_api = room.api("eddie", "package_patch", id=room.name, url="ftp://example.org/trees")
    assert bad_page.status_code == bad_api.status_code == 400
    words = "The source must be a web address starting http:// or https://."
    assert bad_api.get_json()["error"]["source_url"] == [words]
    assert words in text(bad_page) and 'value="ftp://example.org/trees"' in bad_page.text
    assert room.call("sam", "package_show", id=room.name)["url"] == "https://example.org/trees"
    blank = edit(room, "eddie", title="  ")
    assert blank.status_code == 400 and "Give the dataset a title." in text(blank)
    # package_update replaces: what it does not give goes back to its default.
    replaced = room.call("eddie", "package_update", id=room.name, title="Trees again")
    assert replaced["notes"] == "" and replaced["tags"] == [] and replaced["url"] == ""
    assert replaced["organization"]["name"] == "parks"


def test_extras_are_kept_capped_and_named_and_the_form_keeps_what_was_typed(
    app: Any, site: Any
) -> None:
    room = Room(app, site)
    page = room.browser("eddie").get(f"/dataset/{room.name}/edit").text
    assert page.count('name="extras-') == 2 * 3  # three empty rows to start with
    ward = edit(room, "eddie", **{"extras-0-key": "ward", "extras-0-value": "north"})
    assert ward.status_code == 303
    assert room.call("eddie", "package_show", id=room.name)["extras"] == [
        {"key": "ward", "value": "north"}
    ]
    page = room.browser("eddie").get(f"/dataset/{room.name}/edit").text
    assert page.count('name="extras-') == 2 * 4  # its one, and three empty rows more

    nameless = edit(room, "eddie", **{"extras-0-key": "", "extras-0-value": "a value"})
    assert nameless.status_code == 400
    assert "Each extra field needs a name" in text(nameless)
    assert 'value="a value"' in nameless.text
    too_long = edit(room, "eddie", **{"extras-1-key": "k" * 101, "extras-1-value": "v"})
    assert too_long.status_code == 400
    assert "An extra field's name: Field cannot be longer than 100 characters." in text(too_long)

    rows = {f"extras-{i}-{part}": f"{part}{i}" for i in range(150) for part in ("key", "value")}
    crowded = edit(room, "eddie", **rows)  # more rows than kept are read: too many is said
    assert crowded.status_code == 400 and "A dataset has at most 100 extra fields." in text(crowded)
    assert crowded.text.count('name="extras-') == 2 * 101
    many = [{"key": f"k{i}", "value": "v"} for i in range(101)]
    refused = room.api("eddie", "package_patch", id=room.name, extras=many)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["extras"] == ["A dataset has at most 100 extra fields."]
    wide = room.api(
        "eddie", "package_patch", id=room.name, extras=[{"key": "k", "value": "v" * 1001}]
    )
    assert "its value at most 1,000" in wide.get_json()["error"]["extras"][0]
    unnamed = room.api("eddie", "package_patch", id=room.name, extras=[{"key": " ", "value": "v"}])
    assert unnamed.status_code == 400 and "needs a name" in unnamed.get_json()["error"]["extras"][0]
    kept = room.call("eddie", "package_patch", id=room.name, extras=many[:100])
    assert len(kept["extras"]) == 100
    page = room.browser("eddie").get(f"/dataset/{room.name}/edit").text
    assert page.count('name="extras-') == 2 * 100  # no empty rows past the cap
    assert edit(room, "eddie").status_code == 303  # the full form saves back unchanged
    assert len(room.call("eddie", "package_show", id=room.name)["extras"]) == 100


def listed(room: Room, who: str | None) -> dict[str, bool]:
    """Where the dataset shows for `who`: search, lists, the API."""
    browser, token = room.browser(who), who
    search = browser.get("/search.json?q=trees").get_json()
    shown = room.api(token, "package_show", id=room.name) if token else None
    names = room.api(token, "package_list").get_json()["result"] if token else []
    private = room.api(token, "package_search", q="trees", include_private=True) if token else None
    return {
        "search": room.name in [r["name"] for r in search["results"]],
        "home": f"/dataset/{room.name}" in browser.get("/").text,
        "package_list": room.name in names,
        "package_search": bool(private and private.get_json()["result"]["count"]),
        "package_show": bool(shown and shown.status_code == 200),
    }


def test_delete_hides_the_dataset_and_restore_brings_it_back(app: Any, site: Any) -> None:
    room = Room(app, site)
    everywhere = dict.fromkeys(("search", "home", "package_list", "package_search"), True)
    assert listed(room, "sam") == {**everywhere, "package_show": True}

    eddie = room.browser("eddie")
    dataset_page = eddie.get(f"/dataset/{room.name}").text
    assert f'href="/dataset/{room.name}/edit">Edit</a>' in dataset_page
    assert f'href="/dataset/{room.name}/delete">Delete</a>' in dataset_page
    ask = eddie.get(f"/dataset/{room.name}/delete")
    assert ask.status_code == 200 and "Delete Trees?" in ask.text
    assert "It can be restored by its organisation's editors and admins" in text(ask)
    assert eddie.post(f"/dataset/{room.name}/delete", data={}).status_code == 400  # no CSRF
    assert room.call("sam", "package_show", id=room.name)["state"] == "active"
    gone = eddie.post(
        f"/dataset/{room.name}/delete",
        data={"csrf_token": csrf_token(eddie, f"/dataset/{room.name}/delete")},
    )
    assert gone.status_code == 303

    nowhere = dict.fromkeys(everywhere, False)
    assert listed(room, None) == {**nowhere, "package_show": False}
    assert listed(room, "sam") == {**nowhere, "package_show": False}
    assert room.browser("sam").get(f"/dataset/{room.name}").status_code == 404
    # Its member sees its page, marked deleted, with no Restore; it is in none of their lists.
    assert listed(room, "mo") == {**nowhere, "package_show": True}
    mo_page = text(room.browser("mo").get(f"/dataset/{room.name}"))
    assert "This dataset was deleted by eddie on" in mo_page and ">Restore</button>" not in mo_page
    assert "It can be restored by its organisation's editors and admins" in mo_page
    assert f"/dataset/{room.name}/edit" not in mo_page
    # Its editor: the page says so with Restore; the organisation's deleted list has it.
    assert room.call("eddie", "package_show", id=room.name)["state"] == "deleted"
    page = text(eddie.get(f"/dataset/{room.name}"))
    assert "This dataset was deleted by eddie on" in page and ">Restore</button>" in page
    assert f"/dataset/{room.name}/edit" not in page  # restore first
    assert "Upload" not in page.split("<main>")[1]
    shown = eddie.get(f"/dataset/{room.name}.json").get_json()["deletion"]
    assert shown["deleted_by"] == "eddie" and shown["can_restore"] is True
    deleted_list = eddie.get("/organisation/parks/deleted.json").get_json()["datasets"]
    assert [(d["name"], d["deleted_by"]) for d in deleted_list] == [(room.name, "eddie")]
    listing = eddie.get("/organisation/parks/deleted")
    assert listing.status_code == 200 and 'aria-label="Restore Trees"' in listing.text
    assert "My datasets" and "Deleted." in eddie.get("/account/datasets").text
    admin_list = room.browser("ada").get("/admin/deleted.json").get_json()["datasets"]
    assert [d["name"] for d in admin_list] == [room.name]
    assert room.browser("ada").get("/admin/deleted").status_code == 200
    refused_edit = room.api("eddie", "package_patch", id=room.name, title="Changed")
    assert refused_edit.status_code == 409 and "restore it first" in text(refused_edit)

    # Restored from the organisation's list: back everywhere, as it was.
    back = eddie.post(
        f"/dataset/{room.name}/restore",
        data={"csrf_token": csrf_token(eddie, "/organisation/parks/deleted")},
    )
    assert back.status_code == 303
    assert listed(room, "sam") == {**everywhere, "package_show": True}
    assert room.call("sam", "package_show", id=room.name)["notes"] == "Oak"
    assert eddie.get("/organisation/parks/deleted.json").get_json()["datasets"] == []

    # The API: package_delete, then package_patch with state "active" (CKAN's way).
    assert room.api("eddie", "package_delete", id=room.name).status_code == 200
    assert listed(room, "sam")["search"] is False
    assert (
        room.browser("ada").get(f"/dataset/{room.name}.json").get_json()["deletion"]["deleted_by"]
        == "eddie"
    )
    restored = room.call("priya", "package_patch", id=room.name, state="active")
    assert restored["state"] == "active" and restored["title"] == "Trees"
    assert listed(room, None)["search"] is True
    odd = room.api("priya", "package_patch", id=room.name, state="gone")
    assert odd.status_code == 400


def test_refusals_say_who_can_grant_and_links_show_only_to_who_may(app: Any, site: Any) -> None:
    room = Room(app, site)
    for who in ("mo", "sam"):
        page = room.browser(who).get(f"/dataset/{room.name}").text
        assert (
            f"/dataset/{room.name}/edit" not in page and f"/dataset/{room.name}/delete" not in page
        )
        for path in ("edit", "delete"):
            refused = room.browser(who).get(f"/dataset/{room.name}/{path}")
            assert refused.status_code == 403
            assert "ask priya (its admin) to add you as an editor" in text(refused)
        api = room.api(who, "package_delete", id=room.name)
        assert api.status_code == 403 and "ask priya (its admin)" in text(api)
        listing = room.browser(who).get("/organisation/parks/deleted")
        assert listing.status_code == 403 and "Ask priya (its admin)" in text(listing)
        assert room.browser(who).get("/admin/deleted").status_code == 403
    for path in ("edit", "delete"):  # a visitor is sent to sign in
        assert room.browser(None).get(f"/dataset/{room.name}/{path}").status_code == 302
    assert room.browser(None).post(f"/dataset/{room.name}/restore").status_code == 400  # CSRF
    assert room.browser("priya").get("/admin/deleted").status_code == 403

    # An editor may not move it out of the organisation: no choice offered, none taken.
    assert 'name="organisation"' not in room.browser("eddie").get(f"/dataset/{room.name}/edit").text
    moved = edit(room, "eddie", organisation="")
    assert moved.status_code == 303
    assert room.call("eddie", "package_show", id=room.name)["organization"]["name"] == "parks"
    # Its admin may, to none; and a private dataset needs an organisation.
    page = room.browser("priya").get(f"/dataset/{room.name}/edit").text
    assert '<option value="">None: published under your own name</option>' in page
    private = edit(room, "priya", organisation="", private="y")
    assert private.status_code == 400 and "A private dataset belongs to an organisation." in text(
        private
    )
    assert edit(room, "priya", organisation="").status_code == 303
    assert room.call("priya", "package_show", id=room.name)["organization"] is None
    # Now it belongs to nobody, only its publisher (eddie) and site admins may change it.
    assert room.browser("priya").get(f"/dataset/{room.name}/edit").status_code == 403
    assert room.browser("ada").get(f"/dataset/{room.name}/edit").status_code == 200
    into = edit(room, "eddie", organisation="nowhere")
    assert into.status_code == 400 and "Not a valid choice" in text(into)
