// All UI strings, in zh-CN and en. The language comes from localStorage, else the browser.

const STORAGE_KEY = "shubo.lang";
export const LANGS = ["zh", "en"];
/** Each language by its own name, for switches and pickers. */
export const LANG_NAMES = { zh: "中文", en: "English" };

/** Accounts store a language tag ("zh-CN" | "en"); the UI knows "zh" | "en". */
export function langOfAccount(tag) {
  return String(tag || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

export function accountLangOf(code) {
  return code === "zh" ? "zh-CN" : "en";
}

const STRINGS = {
  zh: {
    "app.tagline": "中国国际大数据产业博览会 · 线上展",
    "app.title": "Shubo Live · 数博会线上展",
    "lang.label": "语言",
    "nav.lobby": "大厅",
    "nav.signin": "登录",
    "nav.signout": "退出",
    "nav.signup": "注册",
    "nav.signed_in_as": "已登录：{name}",
    "nav.profile_of": "{name} 的个人资料",
    "nav.label": "主导航",
    "nav.hall": "展馆",
    "nav.matchmaking": "商务撮合",

    "lobby.heading": "数谷论坛 · 直播间",
    "lobby.intro": "开幕式主会场与八场数谷论坛同步直播，进入直播间观看并参与聊天。",
    "lobby.stage_label": "主会场",
    "lobby.forum_label": "论坛 {n}",
    "lobby.now": "正在进行",
    "lobby.next": "即将开始",
    "lobby.nothing_now": "当前没有进行中的议程",
    "lobby.nothing_next": "今日暂无后续议程",
    "lobby.enter": "进入直播间",
    "lobby.loading": "正在加载直播间…",
    "lobby.load_failed": "直播间列表加载失败，稍后自动重试。",
    "lobby.empty": "暂无直播间。",
    "lobby.hall_title": "数博会线上展馆",
    "lobby.hall_text": "算力网络、数据中心、数据交易、数据安全……浏览参展商和他们的解决方案。",
    "lobby.hall_enter": "进入展馆",
    "lobby.exports": "完整议程下载：",
    "lobby.export_ical": "日历 (iCal)",
    "lobby.welcome": "欢迎加入数博会线上展！您现在的身份是",
    "lobby.welcome_profile": "查看个人资料",

    "matchmaking.heading": "商务撮合",
    "matchmaking.soon": "即将开放",
    "matchmaking.text": "商务撮合即将开放：届时您可以向参展商预约洽谈、选择会面时段，并在展位排队交流。",
    "matchmaking.honest": "目前还不能预约，这里也不展示任何示例数据。",
    "matchmaking.meanwhile": "在此之前，欢迎先逛逛展馆，了解各家参展商。",
    "matchmaking.to_hall": "逛展馆",

    "invite.loading": "正在打开邀请…",
    "invite.heading": "您收到一份邀请",
    "invite.lead": "数博会线上展邀请您加入：",
    "invite.role": "身份",
    "invite.exhibitor": "参展商",
    "invite.email": "受邀邮箱",
    "invite.expires": "有效期至",
    "invite.new_intro": "设置显示名称和密码，即可用受邀邮箱创建账号并接受邀请。",
    "invite.submit_new": "创建账号并接受邀请",
    "invite.submitting": "正在接受…",
    "invite.has_account": "这个邮箱已经有账号了。请用 {email} 登录，再接受邀请。",
    "invite.signin": "登录后接受",
    "invite.signed_in_as": "您已登录为 {name}，当前身份：",
    "invite.becomes": "接受后，这个账号的身份将变为：",
    "invite.accept": "接受邀请",
    "invite.other_new": "这个邀请会为 {email} 创建一个新账号，而您当前登录的是 {name}。请先退出登录，再接受邀请。",
    "invite.signout": "退出登录",
    "invite.gone_heading": "无法使用这个邀请",
    "invite.to_lobby": "回到大厅",
    "invite.retry": "重试",

    "audience": "{n} 人在看",
    "live": "直播中",

    "room.back": "返回大厅",
    "room.loading": "正在加载…",
    "room.not_found": "找不到这个直播间。",
    "room.forum_kind": "数谷论坛",
    "room.programme": "议程",
    "room.no_sessions": "暂无议程。",
    "room.times_local": "时间为您的本地时间（{tz}）",
    "room.stream_soon": "直播即将开始",
    "room.stream_soon_next": "下一场：{time} {title}",
    "room.stream_soon_none": "敬请关注本直播间的议程安排",
    "room.stream_unsupported": "此浏览器暂不支持播放该直播流。",
    "room.stream_error": "直播流暂时无法播放",
    "room.stream_error_hint": "请检查网络后刷新页面；聊天和议程不受影响。",
    "room.ended": "已结束",
    "room.speakers": "嘉宾：{names}",

    "chat.heading": "互动聊天",
    "chat.empty": "还没有消息，来说第一句吧。",
    "chat.loading": "正在加载聊天记录…",
    "chat.load_failed": "聊天记录加载失败。",
    "chat.placeholder": "说点什么…（Enter 发送）",
    "chat.placeholder_touch": "说点什么…",
    "chat.send": "发送",
    "chat.sending": "发送中…",
    "chat.signin_prompt": "登录后即可参与聊天",
    "chat.signin_link": "去登录",
    "chat.new_messages": "有新消息 ↓",
    "chat.chars_left": "还可输入 {n} 字",

    "signin.heading": "登录",
    "signin.intro": "登录后可在论坛直播间参与聊天。",
    "signin.email": "邮箱",
    "signin.password": "密码",
    "signin.submit": "登录",
    "signin.submitting": "正在登录…",
    "signin.already": "您已登录为 {name}。",
    "signin.continue": "继续",
    "signin.no_account": "还没有账号？",
    "signin.signup_link": "注册参会账号",

    "signup.heading": "注册参会账号",
    "signup.intro": "注册后即可在论坛直播间参与聊天。",
    "signup.email": "邮箱",
    "signup.password": "密码",
    "signup.password_rules": "密码要求：",
    "signup.rule_length": "至少 10 个字符",
    "signup.rule_common": "不能是常见密码",
    "signup.rule_personal": "不能包含您的名字或邮箱",
    "signup.display_name": "显示名称",
    "signup.display_name_hint": "聊天时其他人看到的名字",
    "signup.optional": "（选填）",
    "signup.organisation": "单位",
    "signup.title": "职务",
    "signup.language": "界面语言",
    "signup.submit": "注册",
    "signup.submitting": "正在注册…",
    "signup.have_account": "已有账号？",
    "signup.signin_link": "直接登录",

    "field.email": "邮箱",
    "field.password": "密码",
    "field.display_name": "显示名称",
    "field.organisation": "单位",
    "field.title": "职务",
    "field.language": "语言",

    "profile.heading": "个人资料",
    "profile.intro": "您的显示名称会出现在您发出的聊天消息旁。",
    "profile.role": "身份",
    "profile.language_hint": "保存后，界面会切换为所选语言；登录时也会使用它。",
    "profile.save": "保存",
    "profile.saving": "正在保存…",
    "profile.saved": "已保存。",
    "profile.signed_out": "登录后即可查看和编辑个人资料。",
    "profile.loading": "正在加载…",

    "role.attendee": "参会者",
    "role.exhibitor": "参展商工作人员",
    "role.speaker": "演讲嘉宾",
    "role.moderator": "主持人",
    "role.organizer": "主办方",

    "offline.banner": "连接已断开，正在重连…",
    "offline.retry_in": "{s} 秒后重试",
    "offline.retry": "立即重连",

    "notfound.heading": "页面不存在",
    "notfound.back": "回到大厅",

    "err.account.bad_credentials": "邮箱或密码不正确。",
    "err.account.disabled": "这个账号已被组委会停用；如有疑问请联系组委会。",
    "err.account.email_taken": "这个邮箱已经注册过了。",
    "err.account.bad_email": "邮箱格式不正确。",
    "err.account.bad_name": "请填写要显示给其他人的名字。",
    "err.account.weak_password": "这个密码不够安全，请换一个。",
    "err.weak.short": "密码太短了：至少需要 10 个字符。",
    "err.weak.common": "这个密码太常见，很容易被猜到，请换一个。",
    "err.weak.personal": "密码中不要包含您的名字或邮箱。",
    "err.bad_fields": "请检查：{fields}。",
    "err.csrf.cross_site": "请求被拒绝，请刷新页面后再试。",
    "err.unauthorized": "请先登录。",
    "err.forbidden": "您没有权限执行此操作。",
    "err.bad_request": "输入有误，请检查后再试。",
    "err.not_found": "找不到您要的内容。",
    "err.forum.unknown": "这个直播间不存在。",
    "err.invitation.unknown": "这个邀请链接无效，请检查链接是否完整。",
    "err.invitation.used": "这个邀请已经被接受过了。",
    "err.invitation.revoked": "这个邀请已被组委会撤回；请向组委会索取新的邀请。",
    "err.invitation.expired": "这个邀请已过期，请联系主办方重新发送。",
    "err.invitation.sign_in_first": "请先用受邀邮箱登录，再接受邀请。",
    "err.invitation.other_account": "这个邀请是发给另一个邮箱的。请退出当前账号，用受邀邮箱登录后再接受。",
    "err.invitation.account_needed": "请填写显示名称和密码来创建账号。",
    "err.invitation.bad_role": "参会者请自行注册，邀请只用于其他身份。",
    "err.invitation.exhibitor": "只有参展商工作人员需要指定参展商，而且必须指定。",
    "err.exhibitor.unknown": "这个参展商不存在。",
    "err.chat.empty": "请先输入内容。",
    "err.chat.too_long": "消息太长了（最多 500 字）。",
    "err.chat.slow_mode": "发言太快了，请稍等片刻再发。",
    "err.rate_limited": "操作太频繁，请稍后再试。",
    "err.rate_limited_for": "操作太频繁，请 {when}后再试。",
    "wait.seconds": "{n} 秒",
    "wait.minutes": "{n} 分钟",
    "err.too_large": "内容太大了。",
    "err.conflict": "操作冲突，请刷新后再试。",
    "err.unavailable": "服务暂时不可用，请稍后再试。",
    "err.internal": "服务器出了点问题，请稍后再试。",
    "err.database.busy": "服务器正忙，请稍后再试。",
    "err.database.unavailable": "数据库暂时连不上，请稍后再试。",
    "err.network": "网络连接失败，请检查网络后再试。",
    "err.offline": "连接已断开，消息没有发出。",
    "err.disconnected": "连接中断，消息可能没有发出。",
    "err.timeout": "服务器没有响应，请稍后再试。",
  },
  en: {
    "app.tagline": "China International Big Data Industry Expo · Online",
    "app.title": "Shubo Live · 数博会线上展",
    "lang.label": "Language",
    "nav.lobby": "Lobby",
    "nav.signin": "Sign in",
    "nav.signout": "Sign out",
    "nav.signup": "Sign up",
    "nav.signed_in_as": "Signed in as {name}",
    "nav.profile_of": "Profile of {name}",
    "nav.label": "Main navigation",
    "nav.hall": "Expo hall",
    "nav.matchmaking": "Matchmaking",

    "lobby.heading": "Data Valley Forums · Live rooms",
    "lobby.intro":
      "The opening ceremony main stage and eight Data Valley forums stream live. Step into a room to watch and chat.",
    "lobby.stage_label": "Main stage",
    "lobby.forum_label": "Forum {n}",
    "lobby.now": "Now",
    "lobby.next": "Next",
    "lobby.nothing_now": "Nothing on right now",
    "lobby.nothing_next": "Nothing more scheduled today",
    "lobby.enter": "Enter room",
    "lobby.loading": "Loading the rooms…",
    "lobby.load_failed": "Could not load the rooms; retrying shortly.",
    "lobby.empty": "No rooms yet.",
    "lobby.hall_title": "The online expo hall",
    "lobby.hall_text":
      "Computing power networks, data centres, data trading, data security and more: browse the exhibitors and what they offer.",
    "lobby.hall_enter": "Enter the hall",
    "lobby.exports": "The whole programme:",
    "lobby.export_ical": "calendar (iCal)",
    "lobby.welcome": "Welcome to the Big Data Expo online! Your role is now",
    "lobby.welcome_profile": "See your profile",

    "matchmaking.heading": "Business matchmaking",
    "matchmaking.soon": "Opening soon",
    "matchmaking.text":
      "Business matchmaking opens soon: you will be able to request meetings with exhibitors, pick a time slot and queue at their booths.",
    "matchmaking.honest": "Nothing can be booked yet, and this page shows no sample data.",
    "matchmaking.meanwhile": "Meanwhile, browse the expo hall and get to know the exhibitors.",
    "matchmaking.to_hall": "Browse the expo hall",

    "invite.loading": "Opening the invitation…",
    "invite.heading": "You are invited",
    "invite.lead": "The Big Data Expo online invites you to join as:",
    "invite.role": "Role",
    "invite.exhibitor": "Exhibitor",
    "invite.email": "Invited address",
    "invite.expires": "Valid until",
    "invite.new_intro":
      "Choose a display name and a password to create your account with the invited address and accept.",
    "invite.submit_new": "Create account and accept",
    "invite.submitting": "Accepting…",
    "invite.has_account": "This address has an account already. Sign in as {email}, then accept.",
    "invite.signin": "Sign in to accept",
    "invite.signed_in_as": "You are signed in as {name}, now:",
    "invite.becomes": "Accepting makes this account’s role:",
    "invite.accept": "Accept the invitation",
    "invite.other_new":
      "This invitation creates a new account for {email}, but you are signed in as {name}. Sign out first, then accept it.",
    "invite.signout": "Sign out",
    "invite.gone_heading": "This invitation cannot be used",
    "invite.to_lobby": "Back to the lobby",
    "invite.retry": "Try again",

    "audience": "{n} watching",
    "live": "Live",

    "room.back": "Lobby",
    "room.loading": "Loading…",
    "room.not_found": "There is no such room.",
    "room.forum_kind": "Data Valley Forum",
    "room.programme": "Programme",
    "room.no_sessions": "No sessions scheduled yet.",
    "room.times_local": "Times in your local time ({tz})",
    "room.stream_soon": "Stream starts soon",
    "room.stream_soon_next": "Next: {time} {title}",
    "room.stream_soon_none": "Stay tuned for this room's programme",
    "room.stream_unsupported": "This browser cannot play this stream yet.",
    "room.stream_error": "The stream cannot be played right now",
    "room.stream_error_hint": "Check your connection and reload the page; the chat and programme still work.",
    "room.ended": "Ended",
    "room.speakers": "Speakers: {names}",

    "chat.heading": "Live chat",
    "chat.empty": "No messages yet. Say hello!",
    "chat.loading": "Loading chat…",
    "chat.load_failed": "Could not load the chat history.",
    "chat.placeholder": "Say something… (Enter to send)",
    "chat.placeholder_touch": "Say something…",
    "chat.send": "Send",
    "chat.sending": "Sending…",
    "chat.signin_prompt": "Sign in to chat",
    "chat.signin_link": "Sign in",
    "chat.new_messages": "New messages ↓",
    "chat.chars_left": "{n} characters left",
    "chat.chars_left_one": "1 character left",

    "signin.heading": "Sign in",
    "signin.intro": "Sign in to chat in the forum rooms.",
    "signin.email": "Email",
    "signin.password": "Password",
    "signin.submit": "Sign in",
    "signin.submitting": "Signing in…",
    "signin.already": "You are signed in as {name}.",
    "signin.continue": "Continue",
    "signin.no_account": "New here?",
    "signin.signup_link": "Create an account",

    "signup.heading": "Create your account",
    "signup.intro": "With an account you can chat in the forum rooms.",
    "signup.email": "Email",
    "signup.password": "Password",
    "signup.password_rules": "Your password needs to be:",
    "signup.rule_length": "at least 10 characters long",
    "signup.rule_common": "not a common password",
    "signup.rule_personal": "free of your name and email address",
    "signup.display_name": "Display name",
    "signup.display_name_hint": "The name others see in the chat",
    "signup.optional": "(optional)",
    "signup.organisation": "Organisation",
    "signup.title": "Job title",
    "signup.language": "Site language",
    "signup.submit": "Create account",
    "signup.submitting": "Creating your account…",
    "signup.have_account": "Already registered?",
    "signup.signin_link": "Sign in",

    "field.email": "email",
    "field.password": "password",
    "field.display_name": "display name",
    "field.organisation": "organisation",
    "field.title": "job title",
    "field.language": "language",

    "profile.heading": "Your profile",
    "profile.intro": "Your display name appears with the chat messages you send.",
    "profile.role": "Role",
    "profile.language_hint": "The site switches to this language when you save, and whenever you sign in.",
    "profile.save": "Save changes",
    "profile.saving": "Saving…",
    "profile.saved": "Saved.",
    "profile.signed_out": "Sign in to see and edit your profile.",
    "profile.loading": "Loading…",

    "role.attendee": "Attendee",
    "role.exhibitor": "Exhibitor staff",
    "role.speaker": "Speaker",
    "role.moderator": "Moderator",
    "role.organizer": "Organiser",

    "offline.banner": "Offline — reconnecting…",
    "offline.retry_in": "retrying in {s} s",
    "offline.retry": "Reconnect now",

    "notfound.heading": "Page not found",
    "notfound.back": "Back to the lobby",

    "err.account.bad_credentials": "Wrong email or password.",
    "err.account.disabled": "This account was disabled by the organisers; ask them if in doubt.",
    "err.account.email_taken": "An account with this email already exists.",
    "err.account.bad_email": "That does not look like an email address.",
    "err.account.bad_name": "Tell us the name to show to others.",
    "err.account.weak_password": "That password is not safe enough; choose another.",
    "err.weak.short": "That password is too short: use at least 10 characters.",
    "err.weak.common": "That password is too common and easy to guess; choose another.",
    "err.weak.personal": "Do not use your name or email address in the password.",
    "err.bad_fields": "Please check the {fields}.",
    "err.csrf.cross_site": "The request was refused; reload the page and try again.",
    "err.unauthorized": "Please sign in first.",
    "err.forbidden": "You are not allowed to do that.",
    "err.bad_request": "Something in the form is not right; please check it.",
    "err.not_found": "We could not find that.",
    "err.forum.unknown": "There is no such room.",
    "err.invitation.unknown": "This invitation link is not valid; check that you have the whole link.",
    "err.invitation.used": "This invitation has been accepted already.",
    "err.invitation.revoked": "The organisers took this invitation back; ask them for a new one.",
    "err.invitation.expired": "This invitation has expired; ask the organisers for a new one.",
    "err.invitation.sign_in_first": "Sign in with the invited address first, then accept.",
    "err.invitation.other_account":
      "This invitation is for another address. Sign out, then sign in with the invited address to accept.",
    "err.invitation.account_needed": "Choose a display name and a password for your new account.",
    "err.invitation.bad_role": "Attendees register themselves; invitations are for the other roles.",
    "err.invitation.exhibitor": "Exhibitor staff, and only they, need an exhibitor.",
    "err.exhibitor.unknown": "There is no such exhibitor.",
    "err.chat.empty": "Write something first.",
    "err.chat.too_long": "That message is too long (500 characters at most).",
    "err.chat.slow_mode": "You are sending too fast; wait a moment.",
    "err.rate_limited": "Too many requests; try again in a moment.",
    "err.rate_limited_for": "Too many requests; try again in {when}.",
    "wait.seconds": "{n} s",
    "wait.minutes": "{n} min",
    "err.too_large": "That is too large.",
    "err.conflict": "That clashed with another change; reload and try again.",
    "err.unavailable": "The service is briefly unavailable; try again soon.",
    "err.internal": "The server had a problem; try again soon.",
    "err.database.busy": "The server is busy; try again in a moment.",
    "err.database.unavailable": "The database cannot be reached just now; try again soon.",
    "err.network": "Could not reach the server; check your connection.",
    "err.offline": "You are offline; the message was not sent.",
    "err.disconnected": "The connection dropped; the message may not have been sent.",
    "err.timeout": "The server did not answer; try again soon.",
  },
};

function initialLang() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(saved)) return saved;
  } catch {
    // storage may be disabled (private mode): fall through to the browser's language
  }
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = String(tag || "").toLowerCase().split("-")[0];
    if (LANGS.includes(base)) return base;
  }
  return "en";
}

let lang = initialLang();
const listeners = new Set();

export function getLang() {
  return lang;
}

export function setLang(next) {
  if (!LANGS.includes(next) || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // not remembered, still switched
  }
  applyDocumentLang();
  for (const fn of [...listeners]) fn(lang);
}

/** Call `fn(lang)` on every switch; returns the function that stops it. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function applyDocumentLang() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("app.title");
}

/**
 * A page module's own strings, `{zh: {...}, en: {...}}`, added at import time: each module
 * keeps its strings beside its code. A key claimed twice is a bug, reported in the console.
 */
export function addStrings(table) {
  for (const code of LANGS) {
    for (const [key, text] of Object.entries(table[code] || {})) {
      if (key in STRINGS[code]) console.error(`i18n: ${key} is defined twice`);
      STRINGS[code][key] = text;
    }
  }
}

/** The string for `key` in the current language, `{name}` placeholders filled from `vars`; for
 * n = 1, `<key>_one` where the language has it ("1 voter", not "1 voters"). */
export function t(key, vars = {}) {
  const one = String(vars.n) === "1" ? STRINGS[lang][`${key}_one`] : undefined;
  const text = one ?? STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

export function has(key) {
  return key in STRINGS[lang];
}

/** The current language's side of a `{zh, en}` pair from the API. */
export function pick(pair) {
  if (!pair) return "";
  return pair[lang] || pair.zh || pair.en || "";
}

/** A role's name ("speaker" → 演讲嘉宾 / Speaker); an unknown role as it is. */
export function roleName(role) {
  return has(`role.${role}`) ? t(`role.${role}`) : String(role ?? "");
}

/** A date and time in the viewer's local time and the page's language. */
export function dateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const locale = lang === "zh" ? "zh-CN" : "en-GB";
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "short" }).format(d);
}

/** "HH:MM" in the viewer's local time, from an ISO timestamp. */
export function hhmm(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

export function timeZoneName() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

/** A list of words in the current language: "邮箱、密码" or "email and password". */
export function listOf(words) {
  if (lang === "zh") return words.join("、");
  if (words.length < 2) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/** A friendly, localized message for an error with a `code` (falls back to its message). */
export function errorText(error) {
  const code = error?.code;
  const wait = error?.retryAfter;
  if (code === "rate_limited" && Number.isFinite(wait) && wait > 0) {
    const when =
      wait < 90
        ? t("wait.seconds", { n: Math.ceil(wait) })
        : t("wait.minutes", { n: Math.ceil(wait / 60) });
    return t("err.rate_limited_for", { when });
  }
  if (code && has(`err.${code}`)) return t(`err.${code}`);
  return error?.message || t("err.internal");
}
