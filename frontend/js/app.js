// The app: header, offline banner and a tiny hash router over the pages.

import { mountAnnouncementBanner } from "./announcements.js";
import { mountBoothEdit } from "./booth_edit.js"; // edit
import { mountConfirmEmail } from "./account.js";
import { mountAgenda, mountAgendaReminders } from "./agenda.js";
// --- hall search ---
import { mountBooth } from "./booth.js";
import { mountCertificates, mountVerify } from "./certificates.js"; // --- certificates ---
// --- end hall search ---
import { mountConsole } from "./console.js";
import { mountControl } from "./control.js"; // --- control room ---
import { h, replace } from "./dom.js";
import { applyDocumentLang, onLangChange, t } from "./i18n.js";
import { mountReset } from "./forgot.js";
import { mountHall } from "./hall.js";
// --- chat ---
import { mountBoothInbox } from "./booth_inbox.js";
// --- end chat ---
// --- leads ---
import { mountBoothDashboard } from "./booth_dashboard.js";
import { mountBoothLeads } from "./booth_leads.js";
// --- end leads ---
import { mountHeader, mountOfflineBanner } from "./header.js";
import { mountInvite } from "./invite.js";
import { mountLobby } from "./lobby.js";
import { mountMatchmaking } from "./matchmaking.js";
// --- meetings ---
import { mountMeetings } from "./meetings.js";
// --- end meetings ---
// --- room ---
import { mountMeetingRoom } from "./meeting_room.js";
// --- end room ---
import { mountCoffeeRoom } from "./coffee.js"; // --- coffee ---
import { mountQueueCall } from "./queue_call.js"; // --- queues ---
import { mountQueueAlert } from "./queue_alert.js"; // --- queues ---
import { mountQueueNotices } from "./queue_notice.js"; // --- queues ---
import { startQueueTickets } from "./queue_tickets.js"; // --- queues ---
import { mountMySessions } from "./my_sessions.js";
import { mountProfile } from "./profile.js";
import { mountProgramme } from "./programme.js";
import { realtime } from "./realtime.js";
import { mountReplay } from "./replay.js"; // --- replays ---
import { mountRoom } from "./room.js";
import { loadAccount, refreshAfterSignOut } from "./session.js";
import { mountSignIn } from "./signin.js";
import { mountSignUp } from "./signup.js";
// --- releases ---
import { mountRelease, mountReleaseEditor, mountReleases } from "./releases.js";
// --- end releases ---

const ROUTES = [
  [/^\/?$/, mountLobby],
  [/^\/forum\/(?<room>[a-z0-9][a-z0-9-]{0,39})\/?$/i, mountRoom], // a slug (any case); an old link's id
  [/^\/signin\/?$/, mountSignIn],
  [/^\/signup\/?$/, mountSignUp],
  [/^\/profile\/?$/, mountProfile],
  [/^\/hall\/?$/, mountHall],
  // --- hall search ---
  [/^\/booth\/(?<id>[1-9][0-9]{0,9})\/?$/, mountBooth],
  // --- end hall search ---
  // --- leads ---
  [/^\/booth\/(?<id>[1-9]\d{0,9})\/dashboard\/?$/, mountBoothDashboard],
  [/^\/booth\/(?<id>[1-9]\d{0,9})\/leads\/?$/, mountBoothLeads],
  // --- end leads ---
  [/^\/matchmaking(?:\/(?<tab>[a-z-]{1,30}))?\/?$/, mountMatchmaking],
  // --- meetings ---
  [/^\/meetings\/?$/, mountMeetings],
  // --- end meetings ---
  // --- room ---
  [/^\/meeting\/(?<id>[1-9][0-9]{0,9})\/?$/, mountMeetingRoom],
  // --- end room ---
  [/^\/coffee\/(?<pair>[1-9][0-9]{0,9})\/?$/, mountCoffeeRoom], // --- coffee ---
  [/^\/queue-call\/(?<ticket>[1-9][0-9]{0,9})\/?$/, mountQueueCall], // --- queues ---
  [/^\/replay\/(?<id>[1-9]\d{0,9})(?:\/(?<session>[1-9]\d{0,9}))?\/?$/, mountReplay], // --- replays ---
  [/^\/agenda\/?$/, mountAgenda],
  [/^\/programme\/?$/, mountProgramme],
  [/^\/console(?:\/(?<tab>[a-z-]{1,30}))?\/?$/, mountConsole],
  [/^\/control\/?$/, mountControl], // --- control room ---
  [/^\/invite\/(?<token>[^/]*)\/?$/, mountInvite], // the page checks the token's form
  [/^\/reset\/(?<token>[^/]*)\/?$/, mountReset], // a password reset link (forgot.js)
  [/^\/confirm-email\/(?<token>[^/]*)\/?$/, mountConfirmEmail], // a new email's link
  [/^\/my-sessions\/?$/, mountMySessions],
  [/^\/certificates\/?$/, mountCertificates], // --- certificates ---
  [/^\/verify(?:\/(?<id>[0-9a-f-]{36}))?\/?$/, mountVerify], // --- certificates ---
  // --- chat: the booth staff's inbox; the booth's chats on a page of their own ---
  [/^\/booth\/(?<booth>[1-9][0-9]{0,9})\/inbox\/?$/, mountBoothInbox],
  // --- end chat ---
  // --- edit: a booth's editor, for its staff and organisers ---
  [/^\/booth\/(?<id>[1-9][0-9]{0,9})\/edit\/?$/, mountBoothEdit],
  // --- end edit ---
  // --- releases ---
  [/^\/releases\/?$/, mountReleases],
  [/^\/release\/(?<id>\d{1,10})\/?$/, mountRelease],
  [/^\/booth\/(?<id>\d{1,10})\/releases\/?$/, mountReleaseEditor],
  // --- end releases ---
];

const main = document.getElementById("main");
let unmount = null;

function route() {
  const raw = location.hash.replace(/^#/, "");
  const [path, search = ""] = raw.split("?");
  unmount?.();
  unmount = null;
  replace(main);
  for (const [pattern, mount] of ROUTES) {
    const match = pattern.exec(path);
    if (match) {
      unmount = mount(main, { ...match.groups, query: new URLSearchParams(search) }) || null;
      window.scrollTo(0, 0);
      return;
    }
  }
  unmount = mountNotFound(main);
}

function mountNotFound(root) {
  const render = () =>
    replace(
      root,
      h(
        "section",
        { class: "panel empty-state" },
        h("h1", {}, t("notfound.heading")),
        h("a", { class: "button button-primary", href: "#/" }, t("notfound.back")),
      ),
    );
  render();
  return onLangChange(render);
}

applyDocumentLang();
onLangChange(applyDocumentLang);
mountHeader(document.getElementById("header"));
mountOfflineBanner(document.getElementById("offline"));
mountAgendaReminders(); // a toast on any page when a starred session starts
mountAnnouncementBanner(main);
mountQueueAlert(); // --- queues --- the call's alert, on any page
mountQueueNotices(main); // --- queues --- "you left the line at X", on any page
startQueueTickets(); // --- queues --- my tickets, followed from every page (this keeps them alive)
window.addEventListener("hashchange", route);
loadAccount();
// Signed out here or in another tab: the server closed our socket (4001). The socket comes back
// anonymous by itself; the page learns who, if anyone, is signed in now.
realtime.onSignedOut(refreshAfterSignOut);
realtime.onAccountChanged(() => loadAccount()); // renamed, or a new role: refresh the page's view
realtime.start();
route();
