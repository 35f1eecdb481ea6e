// The words for matchmaking's refusals (`match.<reason>` codes), in one place. One code may
// reach several pages (`match.self` from blocking and from requesting, `match.stale` from the
// profile and from the organisers' settings, `match.unknown_profile` from profiles, requests and
// recommendations), and i18n keeps one text per key, so every page that shows matchmaking errors
// imports this module (for its side effect) instead of defining `err.match.*` itself.
// errorText() in i18n.js then finds them; a code not listed here shows the server's message.
// Limits quoted here are the server's (matchmaking/meeting_rules.py, profile_rules.py).

import { addStrings } from "./i18n.js";

addStrings({
  zh: {
    // Profiles, blocks and hidden people
    "err.match.self": "这是您自己：不能约见、屏蔽或隐藏自己。",
    "err.match.unknown_profile": "这位参与者的撮合资料不存在或已不可见。",
    "err.match.unknown_account": "找不到这个账号。",
    "err.match.stale": "内容已在别处修改，请先载入最新内容。",
    "err.match.text_too_long": "文字太长了（最多 300 字）。",
    "err.match.unknown_slot": "所选时段已不存在，请刷新后重选。",
    // Requests and meetings
    "err.match.cap": "您待回复的邀约已达上限，请等待回复或撤回一些。",
    "err.match.duplicate": "您与对方之间已有待回复的邀约或已安排的洽谈。",
    "err.match.note_too_long": "留言最多 300 字。",
    "err.match.reason_too_long": "原因最多 200 字。",
    "err.match.not_pending": "这条邀约已经回复过了。",
    "err.match.not_open": "这条邀约已不能撤回。",
    "err.match.unknown_request": "找不到这条邀约。",
    "err.match.unknown_meeting": "找不到这场洽谈。",
    "err.match.meeting_cancelled": "这场洽谈已取消。",
    "err.match.slot_taken": "该时段已被占用或没有空余洽谈桌。",
    "err.match.not_available": "您或对方在该时段没有空。",
    "err.match.slot_past": "该时段已经开始，请选择之后的时段。",
    "err.match.same_slot": "这场洽谈已在该时段。",
    // The meeting room's call
    "err.match.bad_signal": "通话信令有误。",
    "err.match.signal_too_large": "通话信令过大。",
    // Organisers: slots and the scheduler
    "err.match.slot_in_use": "该时段已有洽谈，不能删除或修改。",
    "err.match.slots_overlap": "时段不能重叠。",
    "err.match.bad_slot": "时段不正确（须先开始后结束，且不超过 4 小时）。",
    "err.match.too_many_slots": "时段太多了（最多 500 个）。",
    "err.match.scheduler_running": "排程正在运行，请等待其完成。",
  },
  en: {
    // Profiles, blocks and hidden people
    "err.match.self": "That is you: you cannot meet, block or hide yourself.",
    "err.match.unknown_profile": "This person's matchmaking profile is missing or no longer visible.",
    "err.match.unknown_account": "There is no such account.",
    "err.match.stale": "This was changed elsewhere meanwhile; load the latest first.",
    "err.match.text_too_long": "The text is too long (300 characters at most).",
    "err.match.unknown_slot": "A slot you chose is gone; reload and choose again.",
    // Requests and meetings
    "err.match.cap": "You have as many open requests as allowed; wait for answers or withdraw some.",
    "err.match.duplicate": "There is already an open request or a meeting between you two.",
    "err.match.note_too_long": "A note has at most 300 characters.",
    "err.match.reason_too_long": "A reason has at most 200 characters.",
    "err.match.not_pending": "This request was already answered.",
    "err.match.not_open": "This request can no longer be withdrawn.",
    "err.match.unknown_request": "There is no such request.",
    "err.match.unknown_meeting": "There is no such meeting.",
    "err.match.meeting_cancelled": "This meeting was cancelled.",
    "err.match.slot_taken": "That slot is taken, or no table is free then.",
    "err.match.not_available": "One of you is not available in that slot.",
    "err.match.slot_past": "That slot has begun; choose a later one.",
    "err.match.same_slot": "The meeting is in that slot already.",
    // The meeting room's call
    "err.match.bad_signal": "The call sent a signal the server refused.",
    "err.match.signal_too_large": "The call's signal was too large.",
    // Organisers: slots and the scheduler
    "err.match.slot_in_use": "That slot holds meetings: it cannot be deleted or moved.",
    "err.match.slots_overlap": "Slots must not overlap.",
    "err.match.bad_slot": "A slot starts before it ends and lasts at most 4 hours.",
    "err.match.too_many_slots": "Too many slots (500 at most).",
    "err.match.scheduler_running": "The scheduler is running already; wait for it to finish.",
  },
});
