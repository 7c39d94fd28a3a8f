#!/usr/bin/env node
'use strict';
/*
 * Test-only Telegram Bot API emulator: telegram-test-api 4.2.1, patched so python-telegram-bot 22
 * can talk to it. Never used in production; the bot itself knows nothing about it.
 *
 * Usage: node server.js [--port N | N] [--first-id N] [--exit-with-parent]
 *   env: EMULATOR_PORT, EMULATOR_FIRST_ID, EMULATOR_STORE_TIMEOUT (seconds), EMULATOR_BOT_USERNAME
 * Prints one JSON line {"ready": true, "port": N} on stdout once it accepts connections.
 *
 * Fixes for python-telegram-bot (PTB), all applied here instead of patching node_modules so that
 * `npm ci` keeps giving the pristine, lock-file-pinned package:
 *   1. getMe: the emulator's answer lacks `is_bot`, which PTB's User requires.
 *   2. dates: messages the bot sends come back with `date` in milliseconds; PTB expects seconds.
 *   3. callback_query updates lack `chat_instance`, which PTB's CallbackQuery requires.
 * Further deviations the emulator has and that PTB trips over, fixed the same way:
 *   - editMessageText / editMessageReplyMarkup answer `result: null`; PTB parses the result as a
 *     Message and crashes, so these answer the edited message as Telegram does.
 *   - answerCallbackQuery answers are not stored anywhere; they are recorded so a test can read the
 *     toast the user would see (POST /getCallbackAnswers {token}).
 *   - client routes /sendMessage, /sendCommand, /sendCallback answer the ids they assigned, so a test
 *     can wait for replies that came after its own message.
 *   - setWebhook answers `null` (PTB expects True) and makes the emulator push updates itself, without
 *     the secret token header; here it only records the webhook (getWebhookInfo reads it back) and
 *     the test posts updates to the bot as Telegram would, secret header included.
 *   - getChat is unknown to the emulator; it answers for chats that have seen a message (a group the
 *     bot was added to) and "chat not found" otherwise, like Telegram for a bot outside the chat.
 */

const TelegramServer = require('telegram-test-api');
const { routes } = require('telegram-test-api/lib/routes/index');

const HOST = '127.0.0.1';

function parseArgs(argv) {
  const opts = {
    port: Number(process.env.EMULATOR_PORT || 0),
    firstId: Number(process.env.EMULATOR_FIRST_ID || 1),
    storeTimeout: Number(process.env.EMULATOR_STORE_TIMEOUT || 3600),
    botUsername: process.env.EMULATOR_BOT_USERNAME || 'MotCuaTestBot',
    exitWithParent: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port') opts.port = Number(argv[++i]);
    else if (arg === '--first-id') opts.firstId = Number(argv[++i]);
    else if (arg === '--exit-with-parent') opts.exitWithParent = true;
    else if (/^\d+$/.test(arg)) opts.port = Number(arg);
    else throw new Error(`unknown argument: ${arg}`);
  }
  if (!Number.isInteger(opts.port) || opts.port <= 0 || opts.port > 65535) {
    throw new Error('a port is required: node server.js --port N (or EMULATOR_PORT=N)');
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

// Telegram dates are Unix seconds; anything this large can only be milliseconds.
const MS_THRESHOLD = 1e11;
function toSeconds(date) {
  return typeof date === 'number' && date > MS_THRESHOLD ? Math.floor(date / 1000) : date;
}

function chatOf(chatId) {
  const id = Number(chatId);
  // The emulator calls every chat `private`; PTB filters (filters.ChatType) need the real kind.
  if (id >= 0) return { id, type: 'private', first_name: 'User' };
  return { id, type: String(chatId).startsWith('-100') ? 'supergroup' : 'group', title: `Group ${id}` };
}

function botUser(token) {
  // Real bot ids are the number before the colon of the token; keep that so `bot.id` is plausible.
  const prefix = Number(String(token).split(':')[0]);
  return {
    id: Number.isSafeInteger(prefix) && prefix > 0 ? prefix : 666,
    is_bot: true,
    first_name: 'Trợ lý Một cửa (test)',
    username: opts.botUsername,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  };
}

function sendJson(res, status, body) {
  res.status(status).json(body);
}

function badRequest(res, description) {
  // PTB maps HTTP 400 to telegram.error.BadRequest, exactly as with the real API.
  sendJson(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${description}` });
}

// Fix 2 (part) and 3: everything PTB reads through getUpdates goes through formatUpdate.
const originalFormatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = function formatUpdate(update) {
  const formatted = originalFormatUpdate.call(this, update);
  if (formatted.message) {
    const { botToken: _token, ...message } = formatted.message;  // client bookkeeping, not Telegram's
    message.date = toSeconds(message.date);
    formatted.message = message;
  }
  const cq = formatted.callback_query;
  if (cq) {
    if (cq.message) cq.message = { ...cq.message, date: toSeconds(cq.message.date) };
    const chatId = cq.message && cq.message.chat ? cq.message.chat.id : cq.from && cq.from.id;
    cq.chat_instance = cq.chat_instance || `chat-instance-${chatId}`;
  }
  return formatted;
};

class PatchedTelegramServer extends TelegramServer {
  constructor(config) {
    super(config);
    this.callbackAnswers = [];
    this.webhookInfo = {};  // token -> {url, secret_token}; never used to push updates (see above)
    // Counters start at --first-id so that ids stay increasing across a restart of the emulator,
    // which keeps "replies after this update" cursors in the tests meaningful.
    this.updateId = opts.firstId;
    this.messageId = opts.firstId;
    this.callbackId = opts.firstId;
  }

  // Fix 2: the Message returned to the bot from sendMessage, with seconds, a sender and a real chat type.
  addBotMessage(rawMessage, botToken) {
    const msg = super.addBotMessage(rawMessage, botToken);
    const stored = this.storage.botMessages[this.storage.botMessages.length - 1];
    stored.message.date = toSeconds(msg.date);  // lets the client side rebuild the message for a callback
    const { botToken: _token, chat_id: _chatId, ...rest } = msg;
    // Form-encoded requests carry objects as JSON strings; Telegram answers with objects, and PTB
    // cannot parse e.g. link_preview_options given back as a string.
    for (const key of ['link_preview_options', 'reply_markup', 'entities', 'caption_entities']) {
      if (typeof rest[key] === 'string') {
        try { rest[key] = JSON.parse(rest[key]); } catch (_e) { delete rest[key]; }
      }
    }
    return { ...rest, date: toSeconds(msg.date), chat: chatOf(msg.chat.id), from: botUser(botToken) };
  }

  findBotMessage(chatId, messageId) {
    return this.storage.botMessages.find((u) => String(u.messageId) === String(messageId)
      && String(u.message.chat_id) === String(chatId));
  }

  botMessageAsTelegram(stored) {
    const m = stored.message;
    const out = {
      message_id: stored.messageId,
      date: toSeconds(m.date || stored.time),
      chat: chatOf(m.chat_id),
      from: botUser(stored.botToken),
      text: m.text,
    };
    if (m.edit_date) out.edit_date = m.edit_date;
    if (m.reply_markup && 'inline_keyboard' in m.reply_markup) out.reply_markup = m.reply_markup;
    return out;
  }
}

// --- routes registered before the emulator's own ones (Express takes the first match) ------------

function getMeRoute(app) {  // fix 1
  app.all('/bot:token/getMe', (req, res) => sendJson(res, 200, { ok: true, result: botUser(req.params.token) }));
}

function editRoute(method, { editsText }) {
  return (app, server) => {
    app.all(`/bot:token/${method}`, (req, res) => {
      const body = TelegramServer.normalizeMessage({ ...req.body });
      if (body.inline_message_id) {
        sendJson(res, 200, { ok: true, result: true });  // Telegram answers True for inline messages
        return;
      }
      const stored = server.findBotMessage(body.chat_id, body.message_id);
      if (!stored) {
        badRequest(res, 'message to edit not found');
        return;
      }
      const before = stored.message;
      const after = { ...before };
      if (editsText) after.text = body.text;
      // Telegram drops the inline keyboard when an edit does not repeat it.
      if (body.reply_markup && 'inline_keyboard' in body.reply_markup) after.reply_markup = body.reply_markup;
      else delete after.reply_markup;
      if (after.text === before.text
        && JSON.stringify(after.reply_markup || null) === JSON.stringify(before.reply_markup || null)) {
        // Real Telegram refuses no-op edits; surfacing it here catches handlers that do them.
        badRequest(res, 'message is not modified: specified new message content and reply markup are exactly '
          + 'the same as a current content and reply markup of the message');
        return;
      }
      for (const key of ['parse_mode', 'entities', 'link_preview_options']) {
        if (key in body) after[key] = body[key];
      }
      after.edit_date = Math.floor(Date.now() / 1000);
      stored.message = after;
      server.emit(editsText ? 'EditedMessageText' : 'EditedMessageReplyMarkup');
      sendJson(res, 200, { ok: true, result: server.botMessageAsTelegram(stored) });
    });
  };
}

function answerCallbackQueryRoute(app, server) {
  app.all('/bot:token/answerCallbackQuery', (req, res) => {
    const b = req.body;
    server.callbackAnswers.push({
      botToken: req.params.token,
      callback_query_id: String(b.callback_query_id),
      text: b.text,
      show_alert: b.show_alert === true || b.show_alert === 'true',
      url: b.url,
      time: Date.now(),
    });
    sendJson(res, 200, { ok: true, result: true });
  });
}

// Methods a PTB bot commonly calls at start-up or for cosmetics; the emulator rejects them as unknown.
function harmlessMethodsRoute(app) {
  const methods = ['setMyCommands', 'deleteMyCommands', 'sendChatAction', 'setChatMenuButton',
    'setMyDescription', 'setMyShortDescription', 'setMyName'];
  app.all(`/bot:token/:method(${methods.join('|')})`, (_req, res) => sendJson(res, 200, { ok: true, result: true }));
}

function webhookRoutes(app, server) {
  app.all('/bot:token/setWebhook', (req, res) => {
    const b = { ...req.query, ...req.body };
    if (!b.url) {
      badRequest(res, 'bad webhook: an HTTPS URL must be provided for webhook');
      return;
    }
    server.webhookInfo[req.params.token] = { url: String(b.url), secret_token: b.secret_token };
    sendJson(res, 200, { ok: true, result: true });
  });
  app.all('/bot:token/deleteWebhook', (req, res) => {
    delete server.webhookInfo[req.params.token];
    sendJson(res, 200, { ok: true, result: true });
  });
  app.all('/bot:token/getWebhookInfo', (req, res) => {
    const hook = server.webhookInfo[req.params.token];
    sendJson(res, 200, {
      ok: true,
      result: { url: hook ? hook.url : '', has_custom_certificate: false, pending_update_count: 0 },
    });
  });
}

function getChatRoute(app, server) {
  app.all('/bot:token/getChat', (req, res) => {
    const chatId = String({ ...req.query, ...req.body }.chat_id);
    const token = req.params.token;
    const seen = server.storage.userMessages.some((u) => u.botToken === token && u.message && u.message.chat
      && String(u.message.chat.id) === chatId)
      || server.storage.botMessages.some((u) => u.botToken === token && String(u.message.chat_id) === chatId);
    if (!seen) {
      badRequest(res, 'chat not found');
      return;
    }
    sendJson(res, 200, { ok: true, result: chatOf(chatId) });
  });
}

function clientRoutes(app, server) {
  // Same as the emulator's routes, but they answer the ids they assigned. The ids are read before the
  // call because the emulator takes them synchronously when it stores the update.
  const add = (path, method) => {
    app.post(path, async (req, res) => {
      const ids = { update_id: server.updateId, message_id: server.messageId };
      if (method === 'addUserCallback') ids.callback_query_id = String(server.callbackId);
      try {
        await server[method](req.body);
        sendJson(res, 200, { ok: true, result: ids });
      } catch (error) {
        sendJson(res, 400, { ok: false, description: String(error) });
      }
    });
  };
  add('/sendMessage', 'addUserMessage');
  add('/sendCommand', 'addUserCommand');
  add('/sendCallback', 'addUserCallback');
  app.post('/getCallbackAnswers', (req, res) => {
    const result = server.callbackAnswers.filter((a) => a.botToken === req.body.token);
    sendJson(res, 200, { ok: true, result });
  });
}

routes.unshift(
  getMeRoute,
  editRoute('editMessageText', { editsText: true }),
  editRoute('editMessageReplyMarkup', { editsText: false }),
  answerCallbackQueryRoute,
  harmlessMethodsRoute,
  webhookRoutes,
  getChatRoute,
  clientRoutes,
);

async function main() {
  const server = new PatchedTelegramServer({ port: opts.port, host: HOST, storeTimeout: opts.storeTimeout });
  await server.start();

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    // PTB keeps keep-alive connections open; do not let a stuck one hold the port forever.
    setTimeout(() => process.exit(0), 2000).unref();
    try {
      await server.stop();
    } finally {
      process.stderr.write(`emulator on port ${opts.port} stopped (${signal})\n`);
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (opts.exitWithParent) {
    // The parent holds our stdin; EOF means it died without stopping us, so do not linger as an orphan.
    process.stdin.on('end', () => stop('parent exited'));
    process.stdin.on('error', () => stop('parent exited'));
    process.stdin.resume();
  }
  process.stdout.write(`${JSON.stringify({ ready: true, port: opts.port })}\n`);
}

main().catch((error) => {
  process.stderr.write(`emulator failed to start: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
