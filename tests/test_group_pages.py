"""@@new-conversation, @@group and the inbox's mixed list, in a browser session."""

from plonesocial.messaging import api as messaging
from tests.test_views import ViewsTestCase
from urllib.parse import urlencode

import json
import transaction


class TestGroupPages(ViewsTestCase):
    def setUp(self):
        super().setUp()
        from plone import api

        for userid, name in (("cat", "Cat Cole"), ("dan", "Dan Dee")):
            api.user.create(email=f"{userid}@example.org", username=userid,
                            password="secret-password", properties={"fullname": name})
        messaging.send(sender="bob", recipient="ann", text="Hi Ann")
        transaction.commit()

    def groups(self):
        transaction.begin()
        return messaging.get_groups()

    def test_create_pick_send_menu(self):
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@inbox")
        ann.getLink("New conversation").click()
        # The picker offers people Ann knows (Bob wrote to her), not every member.
        self.assertIn("Bob Baker", ann.contents)
        self.assertNotIn("Dan Dee", ann.contents)
        ann.getControl("Bob Baker").selected = True
        ann.getControl(name="more").value = "cat"
        ann.getControl(name="title").value = "Picnic <b>"
        ann.getControl(name="text").value = "Who brings what?"
        ann.getControl("Start the conversation").click()
        self.assertIn("@@group?id=", ann.url)
        self.assertIn("Picnic &lt;b&gt;", ann.contents)
        [group_id] = self.groups().group_ids("ann")
        bob = self.browser("bob")
        bob.open(f"{self.site}/@@inbox")
        self.assertIn("Picnic &lt;b&gt;", bob.contents)
        self.assertIn("2 unread", bob.contents)  # the creation and the first message
        bob.getLink("Picnic <b>").click()
        self.assertIn("Who brings what?", bob.contents)
        self.assertEqual(self.groups().get(group_id).unread("bob"), 0)
        bob.getControl(name="text").value = "Bread"
        bob.getControl(name="send").click()
        self.assertEqual(self.groups().get(group_id).unread("ann"), 1)
        # Only the owner has the owner's menu.
        self.assertNotIn("Delete for everyone", bob.contents)
        ann.open(f"{self.site}/@@group?id={group_id}")
        ann.getControl(name="userids").value = "dan"
        ann.getControl(name="add").click()
        self.assertIn("Ann Ames added Dan Dee", ann.contents)
        ann.getControl("Remove Cat Cole").click()
        self.assertIn("Ann Ames removed Cat Cole", ann.contents)
        # What cannot be undone asks first (pages.js, the browser's dialog).
        self.assertIn('data-confirm="Delete this conversation for everyone? You cannot undo it."',
                      ann.contents)
        self.assertIn('data-confirm="Leave this conversation?', ann.contents)
        # The UX walk: handing the group over could not be undone and did not ask.
        self.assertIn('data-confirm="Make Bob Baker the owner? Only they can make you the '
                      'owner again."', ann.contents)
        self.assertIn("++resource++plonesocial/pages.js", ann.contents)
        ann.getControl("Leave the conversation").click()
        self.assertIn("You left the conversation.", ann.contents)
        self.assertEqual(self.groups().get(group_id).owner, "bob")
        # Departed: read-only.
        ann.open(f"{self.site}/@@group?id={group_id}")
        self.assertIn("You are no longer in this conversation", ann.contents)
        self.assertNotIn('name="text"', ann.contents)

    def test_errors_write_nothing(self):
        ann = self.browser("ann")
        ann.raiseHttpErrors = False
        ann.open(f"{self.site}/@@new-conversation")
        ann.getControl(name="more").value = "bob, nobody"
        ann.getControl("Start the conversation").click()
        self.assertEqual(ann.headers["status"], "400 Bad Request")
        self.assertIn("There is no user nobody.", ann.contents)
        ann.getControl(name="more").value = "bob"
        ann.getControl("Start the conversation").click()
        self.assertIn("Write a first message to start a conversation", ann.contents)
        # Nobody chosen: say so, not "A group needs at least 2 other participants".
        ann.getControl(name="more").value = ""
        ann.getControl("Start the conversation").click()
        self.assertIn("Choose at least one person to write to.", ann.contents)
        self.assertIsNone(self.groups())

    def test_a_refused_group_keeps_what_was_typed_and_creates_nothing(self):
        """The UX walk: a typo in a user name lost the picks, the title and the first
        message; a first message over the limit created the group without it."""
        from plone import api

        api.portal.set_registry_record("plonesocial.messaging.max_message_length", 20)
        transaction.commit()
        ann = self.browser("ann")
        ann.raiseHttpErrors = False
        ann.open(f"{self.site}/@@new-conversation")
        ann.getControl("Bob Baker").selected = True
        ann.getControl(name="more").value = "cat, nobdy"
        ann.getControl(name="title").value = "Picnic <b>"
        ann.getControl(name="text").value = "Who brings what?"
        ann.getControl("Start the conversation").click()
        self.assertEqual(ann.headers["status"], "400 Bad Request")
        self.assertIn("There is no user nobdy.", ann.contents)
        self.assertTrue(ann.getControl("Bob Baker").selected)
        self.assertEqual(ann.getControl(name="more").value, "cat, nobdy")
        self.assertEqual(ann.getControl(name="title").value, "Picnic <b>")
        self.assertEqual(ann.getControl(name="text").value, "Who brings what?")
        self.assertIn('value="Picnic &lt;b&gt;"', ann.contents)
        ann.getControl(name="more").value = "cat"
        ann.getControl(name="text").value = "A first message that is too long"
        ann.getControl("Start the conversation").click()
        self.assertEqual(ann.headers["status"], "400 Bad Request")
        self.assertIn("at most 20 are allowed", ann.contents)
        self.assertIsNone(self.groups())
        ann.getControl(name="text").value = "Who brings what?"
        ann.getControl("Start the conversation").click()
        self.assertIn("@@group?id=", ann.url)
        self.assertEqual(len(self.groups().group_ids("ann")), 1)

    def test_one_person_is_a_one_to_one_conversation(self):
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@new-conversation")
        ann.getControl(name="more").value = "cat"
        ann.getControl(name="text").value = "Hello Cat"
        ann.getControl("Start the conversation").click()
        self.assertIn("@@conversation?with=cat", ann.url)

    def test_strangers_get_404(self):
        from zExceptions import NotFound

        group = messaging.create_group("ann", ["bob", "cat"])
        transaction.commit()
        dan = self.browser("dan")
        with self.assertRaises(NotFound):
            dan.open(f"{self.site}/@@group?id={group.id}")

    def test_group_send_has_the_limit_and_a_refusal_keeps_the_text(self):
        """The UX walk: the group's text box had no limit nor counter (the 1:1 one has
        both), and a refused send (too long) lost what was typed."""
        from plone import api

        api.portal.set_registry_record("plonesocial.messaging.max_message_length", 20)
        group = messaging.create_group("ann", ["bob", "cat"], "Picnic")
        transaction.commit()
        ann = self.browser("ann")
        ann.raiseHttpErrors = False
        ann.open(f"{self.site}/@@group?id={group.id}")
        self.assertIn('maxlength="20"', ann.contents)
        self.assertIn('data-max="20"', ann.contents)
        self.assertIn('aria-describedby="group-text-counter"', ann.contents)
        ann.getControl(name="text").value = "Bread, cheese & <wine> for all"
        ann.getControl(name="send").click()
        self.assertEqual(ann.headers["status"], "400 Bad Request")
        self.assertIn("Not sent: The message has 30 characters; at most 20 are allowed",
                      ann.contents)
        self.assertEqual(ann.getControl(name="text").value, "Bread, cheese & <wine> for all")
        self.assertIn("Bread, cheese &amp; &lt;wine&gt; for all", ann.contents)
        ann.getControl(name="text").value = "Bread"
        ann.getControl(name="send").click()
        self.assertEqual(ann.headers["status"], "200 OK")
        self.assertIn("Bread", ann.contents)
        self.assertEqual(len(self.groups().get(group.id).message_ids("ann", 10)), 2)

    def test_a_typed_user_id_adds_without_javascript(self):
        """The picker's field without pages.js: user ids, separated by commas."""
        group = messaging.create_group("ann", ["bob", "cat"], "Picnic")
        transaction.commit()
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@group?id={group.id}")
        field = ann.getControl(name="userids")
        self.assertEqual(ann.getControl("Add people").name, "userids")  # labelled
        field.value = "dan"
        ann.getControl(name="add").click()
        self.assertIn("Ann Ames added Dan Dee", ann.contents)
        self.assertEqual(sorted(m.userid for m in self.groups().get(group.id).participants()),
                         ["ann", "bob", "cat", "dan"])
        # The new-conversation form too: typed ids with a comma.
        ann.open(f"{self.site}/@@new-conversation")
        ann.getControl(name="more").value = "cat, dan"
        ann.getControl("Start the conversation").click()
        self.assertIn("@@group?id=", ann.url)

    def test_the_picker_posts_hidden_inputs_and_offers_only_who_one_may_find(self):
        """What pages.js writes (participants:list) is what the pages read."""
        group = messaging.create_group("ann", ["bob", "cat"], "Picnic")
        transaction.commit()
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@group?id={group.id}")
        # Participants are not offered again; the field is labelled and described.
        self.assertIn('data-exclude="ann bob cat"', ann.contents.replace("\n", " "))
        self.assertIn('aria-describedby="add-people-help "', ann.contents)
        token = ann.getControl(name="_authenticator", index=0).value
        ann.open(f"{self.site}/@@group?id={group.id}",
                 data=f"_authenticator={token}&add=1&userids=&participants:list=dan")
        self.assertIn("Ann Ames added Dan Dee", ann.contents)
        ann.open(f"{self.site}/@@plonesocial-people?q=Dee")
        self.assertEqual(json.loads(ann.contents), [{"id": "dan", "name": "Dan Dee"}])

    def test_the_picker_leaves_out_who_blocked_the_searcher(self):
        """Dan blocked Ann: neither the picker nor New conversation's people she knows
        offer him to her (a message or a group with him would be refused); Bob, whom he
        did not block, still finds him."""
        messaging.send("dan", "ann", "hello")
        messaging.send("dan", "bob", "hello")
        messaging.block("dan", "ann")
        transaction.commit()
        ann = self.browser("ann")
        ann.open(f"{self.site}/@@new-conversation")
        self.assertNotIn('value="dan"', ann.contents)
        ann.open(f"{self.site}/@@plonesocial-people?q=Dee")
        self.assertEqual(json.loads(ann.contents), [])
        bob = self.browser("bob")
        bob.open(f"{self.site}/@@new-conversation")
        self.assertIn('value="dan"', bob.contents)
        bob.open(f"{self.site}/@@plonesocial-people?q=Dee")
        self.assertEqual(json.loads(bob.contents), [{"id": "dan", "name": "Dan Dee"}])
        messaging.unblock("dan", "ann")
        transaction.commit()
        ann.open(f"{self.site}/@@plonesocial-people?q=Dee")
        self.assertEqual(json.loads(ann.contents), [{"id": "dan", "name": "Dan Dee"}])

    def test_a_refused_add_keeps_what_was_typed_and_picked(self):
        """Adding refused (an unknown user id): the page shows why, with Add people as
        the owner left it, escaped; nobody is added."""
        group = messaging.create_group("ann", ["bob", "cat"], "Picnic")
        transaction.commit()
        ann = self.browser("ann")
        ann.raiseHttpErrors = False
        ann.open(f"{self.site}/@@group?id={group.id}")
        token = ann.getControl(name="_authenticator", index=0).value
        typed = 'dan, <b>"x"</b>'
        ann.open(f"{self.site}/@@group?id={group.id}", data=urlencode(
            {"_authenticator": token, "add": "1", "userids": typed,
             "participants:list": "dan"}))
        self.assertEqual(ann.headers["status"], "400 Bad Request")
        self.assertIn('There is no user &lt;b&gt;"x"&lt;/b&gt;.', ann.contents)
        field = ann.getControl(name="userids")
        self.assertEqual(field.value, typed)
        self.assertIn('value="dan, &lt;b&gt;&quot;x&quot;&lt;/b&gt;"', ann.contents)
        self.assertNotIn("<b>", ann.contents)
        # Said under the field too, which is marked invalid and takes the focus (on a
        # phone the message at the top of the page is far from it).
        self.assertIn('<div class="invalid-feedback d-block" id="add-people-error">'
                      'There is no user &lt;b&gt;"x"&lt;/b&gt;.</div>', ann.contents)
        self.assertIn('class="form-control plonesocial-people is-invalid"', ann.contents)
        self.assertIn('aria-invalid="true" autofocus="autofocus" '
                      'aria-describedby="add-people-error add-people-help "', ann.contents)
        # Dan, picked with the picker, is a chip again (his hidden input and its button).
        self.assertEqual(ann.getControl(name="participants:list").value, "dan")
        self.assertIn('aria-label="Remove Dan Dee"', ann.contents)
        self.assertEqual(sorted(m.userid for m in self.groups().get(group.id).participants()),
                         ["ann", "bob", "cat"])
        # Corrected, it adds; the field is empty again.
        ann.getControl(name="userids").value = ""
        ann.getControl(name="add").click()
        self.assertEqual(ann.headers["status"], "200 OK")
        self.assertIn("Ann Ames added Dan Dee", ann.contents)
        self.assertEqual(ann.getControl(name="userids").value, "")
        self.assertNotIn("add-people-error", ann.contents)
        self.assertNotIn("autofocus", ann.contents)

    def test_a_refused_person_is_named_in_the_readers_language(self):
        from plone import api

        messaging.block("cat", "ann")
        group = messaging.create_group("ann", ["bob", "dan"], "Picnic")
        transaction.commit()
        ann = self.browser("ann")
        ann.raiseHttpErrors = False
        ann.open(f"{self.site}/@@group?id={group.id}")
        ann.getControl(name="userids").value = "cat"
        ann.getControl(name="add").click()
        self.assertEqual(ann.headers["status"], "400 Bad Request")
        self.assertIn("Not done: Cat Cole does not accept messages from you; "
                      "try again without them.", ann.contents)
        self.assertEqual(ann.getControl(name="userids").value, "cat")  # kept, to correct
        api.portal.set_registry_record("plone.available_languages", ["de"])
        api.portal.set_registry_record("plone.default_language", "de")
        transaction.commit()
        # A 1:1 message from the inbox's form: the same refusal, with the person's name.
        ann.handleErrors = True
        ann.raiseHttpErrors = False
        ann.open(f"{self.site}/@@inbox")
        ann.getControl(name="recipient").value = "cat"
        ann.getControl(name="text").value = "Hallo?"
        ann.getForm(id="plonesocial-new-message").submit()
        self.assertIn("Cat Cole nimmt keine Nachrichten von Ihnen an, daher wurde Ihre "
                      "Nachricht nicht gesendet.", ann.contents)
        ann.open(f"{self.site}/@@group?id={group.id}")
        ann.getControl(name="userids").value = "cat"
        ann.getControl(name="add").click()
        self.assertIn("Cat Cole nimmt keine Nachrichten von Ihnen an; versuchen Sie es ohne "
                      "diese Person noch einmal.", ann.contents)
        self.assertEqual(sorted(m.userid for m in self.groups().get(group.id).participants()),
                         ["ann", "bob", "dan"])
