import { Banks } from './banks'

export default function Home() {
  return <Banks />
}
