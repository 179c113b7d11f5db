/**
 * Sign in, write a post, publish it to a channel and read how it went, with the typed
 * client. Run against a gateway:
 *
 *     MEDIAOPS_URL=http://127.0.0.1:8000 MEDIAOPS_EMAIL=ada@example.com \
 *     MEDIAOPS_PASSWORD=... MEDIAOPS_CHANNEL_ID=... node .build/dist/examples/publish.js
 *
 * Prints the outcome as one JSON line: the post's id and status and each channel's.
 */
import { createMediaopsClient, type Problem, type Schemas } from "../src/index.js";

function setting(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`set ${name}`);
  }
  return value;
}

function fail(step: string, problem: Problem | undefined): never {
  throw new Error(`${step}: ${problem?.status} ${problem?.title}: ${problem?.detail ?? ""}`);
}

const baseUrl = setting("MEDIAOPS_URL");
const channelId = setting("MEDIAOPS_CHANNEL_ID");

const signIn = await createMediaopsClient(baseUrl).POST("/api/v1/auth/login", {
  body: { email: setting("MEDIAOPS_EMAIL"), password: setting("MEDIAOPS_PASSWORD") },
});
if (!signIn.data) fail("sign in", signIn.error);
const api = createMediaopsClient(baseUrl, { token: signIn.data.access_token });

const created = await api.POST("/api/v1/posts", {
  body: {
    title: "春季新品发布会",
    body_markdown: "# 春季新品\n\n三月十日，新品在上海发布。",
    tags: ["新品"],
  },
});
if (!created.data) fail("create the post", created.error);
const postId = created.data.id;

const published = await api.POST("/api/v1/posts/{post_id}/publish", {
  params: { path: { post_id: postId } },
  body: { channel_ids: [channelId] },
});
if (!published.data) fail("publish", published.error);

// Each channel's outcome arrives a moment later (channel-svc delivers, then reports).
let post: Schemas["PostRead"] = published.data;
const deadline = Date.now() + 30_000;
const pending = (read: Schemas["PostRead"]) =>
  (read.channels ?? []).some((channel) => channel.status === "pending");
while (pending(post) && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  const read = await api.GET("/api/v1/posts/{post_id}", { params: { path: { post_id: postId } } });
  if (!read.data) fail("read the post", read.error);
  post = read.data;
}

console.log(
  JSON.stringify({
    post_id: post.id,
    status: post.status,
    channels: (post.channels ?? []).map(({ channel_id, status, url }) => ({ channel_id, status, url })),
  }),
);
