/* fanbridge emulator viewer, part 1: helpers and the two platform adapters.
 *
 * An adapter turns the emulator's world into pickers and a raw control-API message into one
 * common "view" ({key, author, badge, pieces, extras, reactions, pinged, thread, ...}) that
 * viewer.js renders. Text is kept as plain strings cut into pieces ({text, cls}); nothing here
 * builds HTML.
 */
"use strict";

(function () {
  const SLACK_EMOJI = {
    "+1": "👍", thumbsup: "👍", "-1": "👎", thumbsdown: "👎", heart: "❤️", tada: "🎉",
    fire: "🔥", eyes: "👀", joy: "😂", smile: "😄", slightly_smiling_face: "🙂", wave: "👋",
    white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", rocket: "🚀", clap: "👏",
    pray: "🙏", 100: "💯", star: "⭐", raised_hands: "🙌", thinking_face: "🤔", sob: "😭",
    musical_note: "🎵", notes: "🎶", headphones: "🎧", guitar: "🎸", microphone: "🎤",
    sparkles: "✨", ok_hand: "👌", heart_eyes: "😍", sunglasses: "😎",
  };
  const BROADCASTS = /^(@|<!)?(everyone|here|channel)>?$/;

  // ---- small helpers --------------------------------------------------------------------------

  function str(value) {
    return value === undefined || value === null ? "" : String(value);
  }

  function list(value) {
    return Array.isArray(value) ? value : [];
  }

  function enc(value) {
    return encodeURIComponent(str(value));
  }

  async function errorText(response) {
    const text = await response.text();
    try {
      const data = JSON.parse(text);
      const detail = data.error || data.message || data.detail;
      if (detail) {
        const said = typeof detail === "string" ? detail : JSON.stringify(detail);
        return `${response.status}: ${said}`;
      }
    } catch (_) {
      /* not JSON: fall through */
    }
    return `${response.status} ${response.statusText}${text ? ": " + text.slice(0, 200) : ""}`;
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(await errorText(response));
    return response.json();
  }

  async function postJSON(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(await errorText(response));
  }

  function snowflakeDate(id) {
    if (!/^\d{15,}$/.test(str(id)) || typeof BigInt !== "function") return null;
    return new Date(Number((BigInt(id) >> 22n) + 1420070400000n));
  }

  function slackDate(ts) {
    const seconds = parseFloat(ts);
    return isFinite(seconds) ? new Date(seconds * 1000) : null;
  }

  function slackUnescape(text) {
    return str(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function slackEmoji(name) {
    const bare = str(name).split("::")[0];
    return SLACK_EMOJI[bare] || `:${bare}:`;
  }

  // ---- text with mentions: pieces {text, cls} -------------------------------------------------

  function tokenize(text, pattern, convert) {
    const pieces = [];
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      if (match.index > last) pieces.push({ text: text.slice(last, match.index) });
      pieces.push(convert(match) || { text: match[0] });
      last = match.index + match[0].length;
    }
    if (last < text.length) pieces.push({ text: text.slice(last) });
    return pieces;
  }

  const DISCORD_TOKENS = /<(@!?|@&|#)(\d+)>|<a?:(\w+):\d+>|@everyone|@here/g;

  function discordPieces(text, names) {
    return tokenize(str(text), DISCORD_TOKENS, (m) => {
      if (m[3]) return { text: `:${m[3]}:`, cls: "emoji" };
      if (!m[1]) return { text: m[0], cls: "mention all" };
      const id = m[2];
      if (m[1] === "#") return { text: "#" + (names.channels.get(id) || id), cls: "mention" };
      if (m[1] === "@&") return { text: "@" + (names.roles.get(id) || "role"), cls: "mention" };
      return { text: "@" + (names.users.get(id) || id), cls: "mention" };
    });
  }

  const SLACK_TOKENS = /<([@#!])([^|>]+)(?:\|([^>]*))?>|<([^|>]+)(?:\|([^>]*))?>/g;

  function slackToken(m, names) {
    if (m[4]) return { text: slackUnescape(m[5] || m[4]), cls: "link" };
    const label = m[3] ? slackUnescape(m[3]) : null;
    const id = m[2];
    if (m[1] === "@") return { text: "@" + (label || names.users.get(id) || id), cls: "mention" };
    if (m[1] === "#") {
      return { text: "#" + (label || names.channels.get(id) || id), cls: "mention" };
    }
    if (id.startsWith("subteam^")) return { text: label || "@group", cls: "mention" };
    if (label && !/^(channel|here|everyone)$/.test(id)) return { text: label, cls: "mention" };
    return { text: "@" + id, cls: "mention all" };
  }

  function emojiName(all, name) {
    return SLACK_EMOJI[name] || all;
  }

  function slackPieces(text, names) {
    const pieces = tokenize(str(text), SLACK_TOKENS, (m) => slackToken(m, names));
    return pieces.map((p) =>
      p.cls ? p : { text: slackUnescape(p.text).replace(/:([a-z0-9_+-]+):/g, emojiName) },
    );
  }

  // ---- Slack blocks: rich_text (what a person typed) and the layout blocks bots send ----------

  function slackEmojiElement(e) {
    if (e.unicode) {
      const points = str(e.unicode).split("-").map((h) => parseInt(h, 16));
      if (points.every((p) => isFinite(p))) return String.fromCodePoint(...points);
    }
    return slackEmoji(e.name);
  }

  const RICH_LEAVES = {
    text: (e) => ({ text: str(e.text).replace(/:([a-z0-9_+-]+):/g, emojiName) }),
    user: (e, names) => ({
      text: "@" + (names.users.get(str(e.user_id)) || e.user_id), cls: "mention",
    }),
    channel: (e, names) => ({
      text: "#" + (names.channels.get(str(e.channel_id)) || e.channel_id), cls: "mention",
    }),
    broadcast: (e) => ({ text: "@" + str(e.range), cls: "mention all" }),
    usergroup: (e) => ({ text: "@" + str(e.usergroup_id), cls: "mention" }),
    link: (e) => ({ text: str(e.text || e.url), cls: "link" }),
    emoji: (e) => ({ text: slackEmojiElement(e) }),
    date: (e) => ({ text: str(e.fallback || e.timestamp) }),
  };

  /* One rich_text element as pieces: a leaf, or a container (section, list, quote, code). */
  function richPieces(e, names) {
    if (!e || typeof e !== "object") return [];
    const leaf = RICH_LEAVES[e.type];
    if (leaf) return [leaf(e, names)];
    const children = list(e.elements);
    if (e.type === "rich_text_list") {
      return children.flatMap((item, i) => [
        { text: (i ? "\n" : "") + "• " }, ...richPieces(item, names),
      ]);
    }
    const prefix = e.type === "rich_text_quote" ? [{ text: "> " }] : [];
    return prefix.concat(children.flatMap((child) => richPieces(child, names)));
  }

  function textObjectPieces(t, names) {
    if (!t) return [];
    return t.type === "mrkdwn" ? slackPieces(t.text, names) : [{ text: str(t.text) }];
  }

  const BLOCK_PIECES = {
    rich_text: (b, names) => joinLines(list(b.elements).map((e) => richPieces(e, names))),
    section: (b, names) =>
      joinLines([b.text, ...list(b.fields)].map((t) => textObjectPieces(t, names))),
    header: (b, names) => textObjectPieces(b.text, names),
    context: (b, names) =>
      list(b.elements).flatMap((e) => (e.type === "image" ? [] : textObjectPieces(e, names))),
    image: (b) => [{ text: `[image: ${str(b.alt_text || b.title && b.title.text)}]` }],
    divider: () => [{ text: "———" }],
    actions: (b) => [{
      text: list(b.elements).map((e) => `[${str(e.text && e.text.text)}]`).join(" "),
    }],
  };

  function joinLines(groups) {
    const kept = groups.filter((g) => g.length);
    return kept.flatMap((g, i) => (i ? [{ text: "\n" }, ...g] : g));
  }

  /* What Slack shows for a message with blocks; [] when there is nothing to show from them. */
  function blockPieces(blocks, names) {
    return joinLines(list(blocks).map((b) => {
      const render = BLOCK_PIECES[b && b.type];
      return render ? render(b, names) : [];
    }));
  }

  // ---- pings ----------------------------------------------------------------------------------

  function isBroadcast(ping) {
    return BROADCASTS.test(str(ping));
  }

  function pingLabel(ping, names, platform) {
    const p = str(ping);
    if (isBroadcast(p)) return p.startsWith("@") ? p : "@" + p.replace(/^<!|>$/g, "");
    if (p.startsWith("role:")) return "@" + (names.roles.get(p.slice(5)) || "role");
    if (platform === "slack" && p.startsWith("S")) return "@group " + p;
    return "@" + (names.users.get(p) || p);
  }

  // ---- Discord --------------------------------------------------------------------------------

  /* "me" is the person the page posts as, when the emulator lists who reacted. */
  function discordReaction(r, me) {
    const emoji = r.emoji;
    const label = typeof emoji === "string" ? emoji : (emoji && (emoji.name || emoji.id)) || "?";
    const mine = Array.isArray(r.users) ? r.users.map(str).includes(me) : !!r.me;
    const shown = /^\w+$/.test(label) ? `:${label}:` : label.replace(/^<?a?:(\w+):\d+>?$/, ":$1:");
    return { label: shown, count: r.count, me: mine };
  }

  // Discord's system messages (by message type) when they carry no text of their own.
  const DISCORD_SYSTEM = {
    1: "added someone to the thread.", 2: "removed someone from the thread.",
    4: "renamed the channel.", 6: "pinned a message to this channel.",
    7: "joined the server.", 18: "started a thread.", 21: "(the message that started this thread)",
  };

  function discordText(m, names) {
    const system = DISCORD_SYSTEM[m.type];
    if (system && !str(m.content)) return [{ text: system, cls: "system" }];
    return discordPieces(m.content, names);
  }

  function discordDate(m) {
    const date = m.timestamp ? new Date(m.timestamp) : null;
    return date && !isNaN(date.getTime()) ? date : snowflakeDate(m.id);
  }

  function discordExtras(m) {
    const out = [];
    for (const e of list(m.embeds)) {
      const lines = [e.author && e.author.name, e.title, e.description, e.url];
      for (const f of list(e.fields)) lines.push(`${str(f.name)}: ${str(f.value)}`);
      if (e.footer) lines.push(e.footer.text);
      out.push({ kind: "embed", text: lines.filter(Boolean).join("\n") });
    }
    for (const a of list(m.attachments)) {
      out.push({ kind: "file", text: "📎 " + str(a.filename || a.name || a.url) });
    }
    return out;
  }

  function discordAuthor(m) {
    if (typeof m.author === "string") return m.author;
    return str(m.author && (m.author.global_name || m.author.username)) || str(m.author_id);
  }

  function discordReplyTo(m, ctx) {
    const ref = m.message_reference && m.message_reference.message_id;
    if (!ref) return null;
    const target = ctx.byKey.get(str(ref));
    return target ? `${target.author}: ${target.snippet}` : "an earlier message";
  }

  function discordNames(world, space) {
    const dc = world.discord || {};
    const names = {
      users: new Map(), channels: new Map(), roles: new Map(), botId: str(dc.bot_user_id),
    };
    if (dc.bot_user_id) names.users.set(str(dc.bot_user_id), str(dc.bot_username || "bot"));
    for (const g of list(dc.guilds)) {
      for (const c of list(g.channels)) names.channels.set(str(c.id), str(c.name));
      for (const r of list(g.roles)) names.roles.set(str(r.id), str(r.name));
      for (const u of list(g.users)) names.users.set(str(u.id), str(u.global_name || u.username));
    }
    for (const u of list(space && space.users)) {
      names.users.set(str(u.id), str(u.global_name || u.username));
    }
    return names;
  }

  const DISCORD = {
    name: "discord",
    title: "Discord",
    spaces: (world) => list(world.discord && world.discord.guilds),
    // text and announcement channels; voice channels and categories hold no chat here
    channels: (space) =>
      list(space.channels).filter((c) => c.type === undefined || [0, 5].includes(c.type)),
    userLabel(u) {
      const admin = list(u.permissions).includes("ADMINISTRATOR");
      return str(u.global_name || u.username || u.id) + (admin ? " (admin)" : "");
    },
    messagesUrl: (channel) => `/_emu/discord/channels/${enc(channel)}/messages`,
    postUrl: "/_emu/discord/messages",
    postBody: (channel, user, text) => ({ channel_id: channel, user_id: user, content: text }),
    names: discordNames,
    // Threads are channels of their own: their messages are fetched and shown under the starter.
    async expand(messages) {
      const threads = messages.filter(
        (m) => m.thread && m.thread.id && !Array.isArray(m.thread.messages),
      );
      await Promise.all(threads.slice(-25).map(async (m) => {
        try {
          const replies = await getJSON(DISCORD.messagesUrl(m.thread.id));
          m.thread = Object.assign({}, m.thread, { messages: replies });
        } catch (_) {
          /* the thread is shown without its messages */
        }
      }));
      return messages;
    },
    related: (m) => (m.thread && m.thread.id ? [str(m.thread.id)] : []),
    view(m, ctx) {
      const thread = m.thread && typeof m.thread === "object" ? m.thread : null;
      const isBot = m.bot || str(m.author_id) === ctx.names.botId;
      return {
        key: str(m.id),
        author: discordAuthor(m),
        authorId: str(m.author_id),
        badge: m.webhook_id ? "WEBHOOK" : isBot ? "BOT" : null,
        time: discordDate(m),
        pieces: discordText(m, ctx.names),
        extras: discordExtras(m),
        reactions: list(m.reactions).map((r) => discordReaction(r, ctx.me)),
        edited: !!m.edited,
        pinned: !!m.pinned,
        pinged: list(m.pinged).map(str),
        replyTo: discordReplyTo(m, ctx),
        thread: thread && {
          title: "🧵 " + str(thread.name || "thread"),
          items: list(thread.messages),
        },
      };
    },
  };

  // ---- Slack ----------------------------------------------------------------------------------

  function slackExtras(m) {
    const out = list(m.files).map((f) => ({
      kind: "file", text: "📎 " + str(f.title || f.name || f.id),
    }));
    for (const a of list(m.attachments)) {
      const body = [a.pretext, a.title, a.text || a.fallback].filter(Boolean).join("\n");
      if (body) out.push({ kind: "embed", text: slackUnescape(body) });
    }
    return out;
  }

  function slackThread(m) {
    const replies = list(m.replies);
    const count = m.reply_count || replies.length;
    if (!count) return null;
    return { title: `🧵 ${count} ${count === 1 ? "reply" : "replies"}`, items: replies };
  }

  function slackNames(world, space) {
    const names = { users: new Map(), channels: new Map(), roles: new Map(), botId: "" };
    const add = (ws) => {
      for (const c of list(ws && ws.channels)) names.channels.set(str(c.id), str(c.name));
      for (const u of list(ws && ws.users)) names.users.set(str(u.id), str(u.name || u.real_name));
    };
    list(world.slack && world.slack.workspaces).forEach(add);
    add(space);
    return names;
  }

  const SLACK = {
    name: "slack",
    title: "Slack",
    spaces: (world) => list(world.slack && world.slack.workspaces),
    channels: (space) => list(space.channels),
    userLabel: (u) => str(u.real_name || u.name || u.id) + (u.admin || u.owner ? " (admin)" : ""),
    messagesUrl: (channel) => `/_emu/slack/channels/${enc(channel)}/messages`,
    postUrl: "/_emu/slack/messages",
    postBody: (channel, user, text) => ({ channel: channel, user: user, text: text }),
    names: slackNames,
    expand: async (messages) => messages,
    related: () => [],
    view(m, ctx) {
      // Slack shows the blocks when there are any; the text is then only the fallback.
      const fromBlocks = blockPieces(m.blocks, ctx.names);
      const useBlocks = fromBlocks.some((p) => p.text.trim());
      const shown = useBlocks ? fromBlocks : slackPieces(m.text, ctx.names);
      const deleted = [{ text: "This message was deleted.", cls: "deleted" }];
      return {
        key: str(m.ts),
        author: str(m.username || ctx.names.users.get(str(m.user)) || m.user || m.bot_id),
        authorId: str(m.user || m.bot_id),
        badge: m.bot_id ? "APP" : null,
        time: slackDate(m.ts),
        pieces: m.deleted ? deleted : shown,
        extras: slackExtras(m),
        reactions: list(m.reactions).map((r) => ({
          label: slackEmoji(r.name),
          count: r.count,
          me: list(r.users).includes(ctx.me),
          title: `:${str(r.name)}:`,
        })),
        edited: !!m.edited,
        pinned: false,
        pinged: list(m.pinged).map(str),
        replyTo: m.subtype === "thread_broadcast" ? "replied to a thread, also sent here" : null,
        thread: slackThread(m),
      };
    },
  };

  window.fanbridgeViewer = {
    str, list, getJSON, postJSON, isBroadcast, pingLabel, platforms: [DISCORD, SLACK],
  };
})();
