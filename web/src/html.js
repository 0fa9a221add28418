// JSX-like templates without a compile step: htm bound to Preact's createElement.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
