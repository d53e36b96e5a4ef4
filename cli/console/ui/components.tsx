import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { QueueHealth } from '../contract';
import type { ApiFailure } from './api';
import { takeMove } from './router';

/**
 * A page's frame. Its heading takes focus after a move inside the app, so that a screen reader
 * announces the new page and the next Tab starts from its top; a full page load leaves focus where
 * the browser puts it, so that the first Tab reaches the skip link.
 */
export const Page = ({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) => {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · RelayFlow console`;
    if (takeMove()) heading.current?.focus();
  }, [title]);
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {actions}
      </div>
      {children}
    </>
  );
};

export const Loading = ({ what }: { what: string }) => (
  <p class="note" role="status">
    Loading {what}…
  </p>
);

export const Failure = ({ error, retry }: { error: ApiFailure; retry?: () => void }) => (
  <div class="alert" role="alert">
    <p>{error.message}</p>
    {retry && (
      <button type="button" onClick={retry}>
        Try again
      </button>
    )}
  </div>
);

export const Empty = ({ children }: { children: ComponentChildren }) => <p class="empty">{children}</p>;

export const Status = ({ status }: { status: string }) => (
  <span class={`status status-${status.toLowerCase().replaceAll('_', '-')}`}>{status}</span>
);

const pad = (n: number) => String(n).padStart(2, '0');

/** Local date and time to the second: operators compare it with their own logs. */
export const formatTime = (iso: string): string => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
};

export const Time = ({ iso }: { iso: string }) => <time dateTime={iso}>{formatTime(iso)}</time>;

/** 75 → "1m 15s": the age of a queue's oldest message. */
export const formatAge = (seconds: number | undefined): string => {
  if (seconds === undefined) return 'empty';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${Math.round(seconds % 60)}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ${Math.round((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86_400)}d ${Math.round((seconds % 86_400) / 3600)}h`;
};

/** A queue's oldest message: its age, `empty`, or `unknown` when the queue holds messages but gave no age. */
export const oldestOf = (queue: QueueHealth): string =>
  queue.oldestAgeSeconds === undefined && queue.visible + queue.inFlight > 0
    ? 'unknown'
    : formatAge(queue.oldestAgeSeconds);

export const formatPercent = (ratio: number): string =>
  `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.01 ? 2 : 1)}%`;
