import { useEffect, useRef, useState } from 'preact/hooks';
import { get, personName, qs, type Page, type Person } from '../api.js';
import { Thumb } from './thumb.js';

/** Type a name, pick a person (arrows + Enter, or click); optionally "new person named ...". */
export function PersonPicker(props: {
  onPick: (person: Person) => void;
  onNew?: (name: string) => void;
  exclude?: number[];
  placeholder?: string;
  autoFocus?: boolean;
  id?: string;
}) {
  const [text, setText] = useState('');
  const [list, setList] = useState<Person[]>([]);
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (props.autoFocus) input.current?.focus();
  }, []);
  useEffect(() => {
    const t = setTimeout(async () => {
      const page = await get<Page<Person>>(`/api/people${qs({ search: text.trim(), sort: text.trim() ? 'name' : 'faces', hidden: 'include', limit: 8 })}`).catch(() => null);
      setList(page?.items ?? []);
      setActive(0);
    }, 150);
    return () => clearTimeout(t);
  }, [text]);
  // Those excluded now (a person already picked) are left out as the list shows, not only as it loads.
  const shown = list.filter((p) => !(props.exclude ?? []).includes(p.id));
  const canNew = !!props.onNew && text.trim().length > 0;
  const options = shown.length + (canNew ? 1 : 0);
  const choose = (i: number) => {
    if (i < shown.length) props.onPick(shown[i]!);
    else if (canNew) props.onNew!(text.trim());
  };
  return (
    <div class="picker">
      <input
        ref={input} id={props.id} type="search" value={text} placeholder={props.placeholder ?? 'Search people by name'} autoComplete="off"
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') { e.preventDefault(); setActive((a) => Math.min(options - 1, a + 1)); }
          if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => Math.max(0, a - 1)); }
          if (e.key === 'Enter' && options > 0) { e.preventDefault(); choose(active); }
        }}
      />
      <ul class="picker-list" role="listbox">
        {shown.map((p, i) => (
          <li key={p.id} role="option" aria-selected={i === active} class={i === active ? 'active' : ''} onMouseDown={(e) => { e.preventDefault(); choose(i); }}>
            <Thumb faceId={p.coverFaceId} size={32} />
            <span>{personName(p)}</span>
            <small>{p.faceCount} faces{p.hidden ? ' · hidden' : ''}</small>
          </li>
        ))}
        {canNew && (
          <li role="option" aria-selected={active === shown.length} class={active === shown.length ? 'active new' : 'new'} onMouseDown={(e) => { e.preventDefault(); choose(shown.length); }}>
            + New person “{text.trim()}”
          </li>
        )}
      </ul>
    </div>
  );
}
