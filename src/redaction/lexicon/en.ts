import type { Lexicon } from "./lexicon-type.js";

/** English (UK and international): common given names; compiled for this project. */
export const en: Lexicon = {
  firstNames: `Aaron Abigail Adam Aiden Alex Alfie Alice Amelia Amy Andrew Archie Arthur Ava Bella Ben Callum Caitlin Charlie Charlotte Chelsea Chloe Chris Connor Courtney
    Daisy Daniel David Dylan Edward Eleanor Ella Ellie Emily Emma Erin Ethan Eva Evie Ewan Finley Florence Freddie Freya Gary George Georgia Grace Hannah Harper Harrison Harry Hayley Henry Holly
    Imogen Isaac Isabella Isabelle Isla Ivy Jack Jacob Jade Jake James Jamie Jasmine Jayden Jessica Joe John Jordan Joseph Josh Joshua Katie Kevin Kieran Kirsty Kyle
    Lauren Laura Layla Leah Leo Lewis Lexi Liam Lily Logan Lola Louis Lucas Lucy Luke Maisie Mason Matthew Max Megan Mia Michael Millie Mohammed Molly Muhammad
    Nathan Niamh Noah Oliver Olivia Ollie Oscar Owen Paige Paul Peter Phoebe Poppy Rachel Rebecca Reuben Rhys Riley Rosie Ruby Ryan Sam Samuel Sarah Scarlett Sebastian Simon Sophia Sophie Steve
    Theo Thomas Toby Tom Tommy Tyler William Zach Zac Zara Zoe Kayla Jenna Bethany Ashley Brandon`,
  ambiguous: "grace holly ivy jade jasmine lily ruby poppy daisy jack harry max mark will may june april hope joy rose bill frank drew dean sue pat rob jordan paige",
  cueWords: `friend friends bestie bff mate buddy brother bro sister sis cousin boyfriend bf girlfriend gf ex mum mom mother dad father stepdad stepmum stepmom uncle aunt auntie nan gran grandma grandad grandpa
    teacher tutor classmate neighbour neighbor coach named called`,
  stopwords: `and is was are were be been not i you he she they we it the a an that this who what where when why how but or if then because with on in at of for to from by
    has had have will would can could should said says told knows lives came comes went goes hit hits bullies threatens wants wanted got gets
    my your his her their our also just now then yesterday today tomorrow always never really very so too lol omg hi hey ok okay yes no maybe like
    friend brother sister mum dad someone something everyone other new old little big`,
  // Inflected forms of names that are words (checked against voikko-fi, wswedish, wdutch, myspell-et, wbritish).
  notNames: "",
};
