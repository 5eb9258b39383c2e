// The API client: relative paths (resolved against <base>, so any stage prefix works), the bearer
// token, JSON in and out, and one error type carrying the API's {"error","message","field"} body.

import { clearToken, token } from './auth.js';

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `request failed (${status})`);
    this.status = status;
    this.body = body;
  }
}

let onSignedOut = () => {};

export function whenSignedOut(callback) {
  onSignedOut = callback;
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path.replace(/^\//, ''), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
    credentials: 'omit',
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (response.status === 401) {
    clearToken();
    onSignedOut('Your session has ended. Sign in again.');
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A path segment (numbers carry a '+', ids may carry '#').
export function seg(value) {
  return encodeURIComponent(value);
}

// The list inside a response: the response itself, or its `items` (or another named key).
export function items(data, ...keys) {
  if (Array.isArray(data)) return data;
  for (const key of ['items', ...keys]) if (data && Array.isArray(data[key])) return data[key];
  return [];
}
